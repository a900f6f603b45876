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
    from django.core.cache.backends.redis import RedisCache

    cache = RedisCache(url, {"KEY_PREFIX": f"pishkhan-test-{os.getpid()}"})
    cache.set("کلید", {"amount": 300000}, 30)
    assert cache.get("کلید") == {"amount": 300000}
    cache.set("counter", 0, 30)
    assert cache.incr("counter") == 1
    cache.delete_many(["کلید", "counter"])
    assert cache.get("کلید") is None
