"""Django's Redis cache backend, keeping its Redis client.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` on every cache call (over
a kept connection pool). Building one costs about 85 µs of CPU here — more than the GET it
serves (about 50 µs) — and a signed-in request makes three or four cache calls (the session, the
catalogue's generation, the SMS drain flag). A ``redis.Redis`` over a pool is safe to share
between threads and is reset after a fork by the pool's own pid check, so one per pool is kept.

Every cache call goes through ``core.outage`` (decision 61): a failure holds Redis down for this
process for a few seconds (calls then raise ``RedisUnavailable`` without a round trip) and is
logged once a minute; each caller decides what to do without Redis.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.cache.backends import redis as django_redis

from . import outage


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django_client: Any = self  # its pool helpers are private, so not in django-stubs
        index = django_client._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = django_client._get_connection_pool(write)
            client = self._clients[index] = django_client._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def validate_key(self, key: str) -> None:
        """Redis takes any key, so memcached's rules (at most 250 characters, no spaces or
        control characters) are not checked, as Django's documentation suggests for backends
        that accept more. Django's check runs on every cache call and matches each key against
        a lazily compiled pattern, whose every use raises and catches an AttributeError inside
        ``SimpleLazyObject``: 4–5 of the 60 exceptions a counter submission raised."""


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        if outage.trouble:
            outage.before_call(self)
        try:
            return method(self, *args, **kwargs)
        except outage.ERRORS as exc:
            outage.failed("cache", exc)
            raise

    return call


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(RedisCache, _name, _guarded(getattr(django_redis.RedisCache, _name)))
