"""The per-minute counters of public look-ups, in the cache and in a real Redis."""

from __future__ import annotations

import os
import uuid

import pytest
from django.core.cache import cache

from pishkhan.core import ratelimit
from tests.conftest import skip_or_fail


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def test_the_cache_counts_a_minute_per_client(settings):
    settings.REDIS_URL = ""
    assert [ratelimit.hit("test", "10.0.0.1", 2) for _ in range(3)] == [False, False, True]
    assert ratelimit.hit("test", "10.0.0.2", 2) is False  # another client has its own count


def test_redis_counts_in_one_round_trip_and_the_window_expires(settings):
    url = os.environ.get("PISHKHAN_TEST_REDIS_URL")
    if not url:
        skip_or_fail("PISHKHAN_TEST_REDIS_URL is not set")
    settings.REDIS_URL = url
    who = uuid.uuid4().hex
    assert [ratelimit.hit("test", who, 2) for _ in range(3)] == [False, False, True]
    client = ratelimit._redis(url)
    keys = client.keys(f"pishkhan:rate:test:{who}:*")
    assert len(keys) == 1
    assert 0 < client.ttl(keys[0]) <= ratelimit.WINDOW_TTL_SECONDS
    client.delete(*keys)
