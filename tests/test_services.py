"""The external services the production set-up uses: PostgreSQL and Redis.

These tests skip when the service is absent, unless PISHKHAN_REQUIRE_SERVICES=1 (CI).
"""

import os

import pytest
from django.db import connection

from tests.conftest import skip_or_fail


@pytest.mark.django_db
def test_postgresql_pass_really_runs_on_postgresql():
    wanted = os.environ.get("PISHKHAN_TEST_DATABASE_URL")
    using_pg = connection.vendor == "postgresql"
    if not using_pg:
        if not wanted:
            skip_or_fail("PISHKHAN_TEST_DATABASE_URL is not set: no PostgreSQL pass")
        pytest.skip("this is the SQLite pass; the PostgreSQL pass runs this test for real")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 150000


@pytest.mark.django_db
def test_catalogue_search_on_this_database():
    # Search folds text in Python and filters with LIKE, the same on SQLite and PostgreSQL.
    from pishkhan.catalog.models import Service

    assert (
        Service.objects.search("كارت ملي").filter(code="nocr-national-id-card-duplicate").exists()
    )


def test_redis_cache_round_trip():
    url = os.environ.get("PISHKHAN_TEST_REDIS_URL")
    if not url:
        skip_or_fail("PISHKHAN_TEST_REDIS_URL is not set")
    from pishkhan.core.cache import RedisCache

    cache = RedisCache(url, {"KEY_PREFIX": f"pishkhan-test-{os.getpid()}"})
    cache.set("کلید", {"amount": 300000}, 30)
    assert cache.get("کلید") == {"amount": 300000}
    cache.set("counter", 0, 30)
    assert cache.incr("counter") == 1
    # The backend keeps its Redis client (Django's builds one per call: core/cache.py) ...
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    # ... and a forked process (gunicorn's workers) still reaches Redis through it: the pool
    # notices the new pid and opens connections of its own.
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's exit code carries the result
        os._exit(0 if cache.incr("counter") == 2 else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert cache.get("counter") == 2
    cache.delete_many(["کلید", "counter"])
    assert cache.get("کلید") is None
