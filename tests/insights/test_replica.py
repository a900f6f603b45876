"""The dashboards read from a streaming replica when there is one (core/replica.py): every read
of a dashboard page is routed there, writes and reads inside a transaction stay on the primary,
and the page no longer folds pending changes itself (the worker does)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection, router, transaction
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.cases.models import ServiceRequest
from pishkhan.core import replica
from pishkhan.insights import dashboards
from pishkhan.insights.models import PendingChange
from tests.api.test_webhooks import file_at


@pytest.fixture
def with_replica(monkeypatch):
    """As if settings named a replica (the test's own database has none to connect to: what is
    checked is where the router sends each read). The transaction each test runs in is not the
    code's own: only the code's count."""
    monkeypatch.setattr(replica, "has_replica", lambda: True)
    monkeypatch.setattr(dashboards, "has_replica", lambda: True)
    monkeypatch.setattr(
        replica,
        "in_transaction",
        lambda: any(not getattr(a, "_from_testcase", False) for a in connection.atomic_blocks),
    )


def test_without_a_replica_reads_stay_on_the_primary():
    assert not replica.has_replica()
    with replica.replica_reads():
        assert router.db_for_read(ServiceRequest) == "default"


@pytest.mark.django_db
def test_inside_replica_reads_only_reads_outside_a_transaction_go_there(with_replica):
    with replica.replica_reads():
        assert router.db_for_read(ServiceRequest) == "replica"
        assert router.db_for_write(ServiceRequest) == "default"
        with transaction.atomic():
            # A transaction's reads must see its own writes (and FOR UPDATE needs the primary).
            assert router.db_for_read(ServiceRequest) == "default"
    assert router.db_for_read(ServiceRequest) == "default"
    assert router.allow_migrate("replica", "cases") is False
    assert router.allow_migrate("default", "cases") is True


@pytest.mark.django_db
def test_every_read_of_a_dashboard_page_goes_to_the_replica(
    with_replica, client, settings, monkeypatch
):
    settings.PISHKHAN_STAFF_OTP = False
    decided: list[tuple[str, str]] = []
    original = replica.ReplicaRouter.db_for_read

    def record(self, model, **hints):
        decided.append((model._meta.label, original(self, model, **hints) or "default"))
        return None  # run it on the test's database all the same

    monkeypatch.setattr(replica.ReplicaRouter, "db_for_read", record)
    client.force_login(User.objects.get(username="regulator"))
    file_at()  # a state change waiting to be folded
    pending = PendingChange.objects.count()
    assert pending
    decided.clear()
    response = client.get(reverse("insights:national"))
    assert response.status_code == 200
    during_page = [
        alias for label, alias in decided if not label.startswith(("sessions.", "accounts."))
    ]
    assert during_page and set(during_page) == {"replica"}, decided
    assert any(label.startswith("insights.") for label, _ in decided)
    # The page folded nothing: with a replica the worker's fold keeps the figures current.
    assert PendingChange.objects.count() == pending


def test_the_replica_is_configured_from_its_url():
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": "postgres://app@primary.internal:5432/pishkhan",
        "DATABASE_REPLICA_URL": "postgres://reader@replica.internal:5432/pishkhan",
        "DATABASE_PREPARED_STATEMENTS": "1",
        "DJANGO_SETTINGS_MODULE": "pishkhan.settings",
    }
    code = (
        "import json; from django.conf import settings; d = settings.DATABASES; "
        "print(json.dumps({k: [v['HOST'], v['USER'], v.get('OPTIONS', {}), "
        "v.get('TEST', {}).get('MIRROR')] for k, v in d.items()}))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    databases = json.loads(out.stdout)
    assert databases["default"][:2] == ["primary.internal", "app"]
    host, user, options, mirror = databases["replica"]
    assert (host, user, mirror) == ("replica.internal", "reader", "default")
    assert options == databases["default"][2]  # prepared statements there too
