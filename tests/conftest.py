"""Shared test set-up: required services, static files, and one user per role.

PISHKHAN_REQUIRE_SERVICES=1 (set by CI) turns every "service not available" skip into a failure:
PostgreSQL (PISHKHAN_TEST_DATABASE_URL), Redis (PISHKHAN_TEST_REDIS_URL) and Chromium.
"""

from __future__ import annotations

import os

import pytest

REQUIRE_SERVICES = os.environ.get("PISHKHAN_REQUIRE_SERVICES") == "1"


# Ed25519, made for the tests only (openssl genpkey -algorithm ed25519).
_TEST_SIGNING_KEY = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJRdpXwMf/88QtNU7N658KT2L9eMHJNxKAj6CVPo0ovK
-----END PRIVATE KEY-----
"""


def skip_or_fail(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (PISHKHAN_REQUIRE_SERVICES=1 makes this mandatory)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Tests do not run collectstatic: serve static files from the apps, unhashed.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _test_signing_key(settings, tmp_path_factory):
    """Receipts sign their QR codes; tests use a key of their own, not one generated into the
    project's var/ folder."""
    if not settings.PISHKHAN_SIGNING_KEY:
        settings.PISHKHAN_SIGNING_KEY = _TEST_SIGNING_KEY


@pytest.fixture(autouse=True)
def _forget_process_caches():
    """What a process keeps between requests (the catalogue's filing bundles, parsed workflow
    versions) is right for one database; each test's database is rolled back under it."""
    from pishkhan.catalog import filing
    from pishkhan.workflow.models import forget_parsed

    filing.forget()
    forget_parsed()
    yield
    filing.forget()
    forget_parsed()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the reference data, the catalogue and the demo, loaded
    once. Transactional tests (which end by emptying every table) that need them too mark
    themselves ``django_db(transaction=True, serialized_rollback=True)``: the snapshot taken here
    is what Django restores for them."""
    from django.core.management import call_command
    from django.db import connections

    with django_db_blocker.unblock():
        call_command("demo", "--quiet-logins", verbosity=0)
        for connection in connections.all():
            connection._test_serialized_contents = connection.creation.serialize_db_to_string()


@pytest.fixture
def role_users(db):
    """The demo user of each role (see ``pishkhan demo``), keyed by role value."""
    from pishkhan.accounts.models import User

    users = {}
    for user in User.objects.order_by("pk"):
        users.setdefault(user.role, user)
    return users
