"""Django's Redis cache backend, keeping its Redis client.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` on every cache call (over
a kept connection pool). Building one costs about 85 µs of CPU here — more than the GET it
serves (about 50 µs) — and a signed-in request makes three or four cache calls (the session, the
catalogue's generation, the SMS drain flag). A ``redis.Redis`` over a pool is safe to share
between threads and is reset after a fork by the pool's own pid check, so one per pool is kept.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis


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
