"""The dashboards on a second PostgreSQL connection named ``replica``: what the router decides is
what runs there (tests/insights/test_replica.py checks the decisions themselves). In a module of
its own: while its fixture lives, the connection is in the settings for every test."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.core import replica


@pytest.fixture(scope="module")
def replica_connection(django_db_setup, django_db_blocker):
    """A second connection named ``replica`` to the test's PostgreSQL database: not a streaming
    replica, but a connection of its own, so that what the router decides is what runs there."""
    connections.settings["replica"] = {
        **connections["default"].settings_dict,
        "TEST": {"MIRROR": "default"},
    }
    # Elsewhere (SQLite's test database is in memory) the test skips; the alias only has to exist.
    yield connections if connections["default"].vendor == "postgresql" else None
    with django_db_blocker.unblock():
        connections["replica"].close()
    del connections.settings["replica"]
    del connections["replica"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica"])
def test_on_postgresql_a_dashboard_really_reads_on_the_replica_connection(
    replica_connection, client, settings
):
    if replica_connection is None:
        pytest.skip("this runs in the PostgreSQL pass")
    settings.PISHKHAN_STAFF_OTP = False
    assert replica.has_replica()
    client.force_login(User.objects.get(username="supervisor-tehran"))
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(reverse("insights:my_province"))
    assert response.status_code == 200
    assert "تهران" in response.content.decode()
    tables = " ".join(q["sql"] for q in on_replica.captured_queries)
    assert "insights_" in tables and "core_province" in tables
    # On the primary: the session and the user only — nothing of the page.
    assert all(
        "django_session" in q["sql"] or "accounts_user" in q["sql"]
        for q in on_primary.captured_queries
    ), [q["sql"][:80] for q in on_primary.captured_queries]
