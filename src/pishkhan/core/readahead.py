"""The cache reads a request will make, fetched from Redis together (one MGET).

A signed-in request reads its session, then three more keys one round trip each: its user, the
staff's second-factor device and the catalogue's generation. Each round trip costs about 50 µs of
the app's CPU and as much of Redis's, more than the reads themselves (docs/performance.md). The
session has to come first (it names the user and the device); the other three are read together
once it is there: ``fetch`` reads them and ``get`` hands each value out once, to the code that
reads it as before. What a request reads twice (after a change of its own, say) goes to Redis the
second time, so a value is never older than the start of the request that uses it.

Apps add their keys with ``register`` (a function of the request, so a key may depend on who is
signed in); ``accounts.middleware.OTPMiddleware`` calls ``fetch`` where it resolves the user.
Outside a request, without Redis, and while Redis does not answer (decision 61: each reader then
decides on its own), ``get`` is ``cache.get``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from . import outage

_read: ContextVar[dict[str, Any] | None] = ContextVar("pishkhan_readahead", default=None)
_sources: list[Callable[[HttpRequest], list[str]]] = []


def register(keys: Callable[[HttpRequest], list[str]]) -> None:
    """Add a source of keys a request reads (once per process, from an app's ``ready``)."""
    if keys not in _sources:
        _sources.append(keys)


@contextmanager
def request_scope() -> Iterator[None]:
    """What ``fetch`` reads lives until the request ends (the middleware's ``__call__``)."""
    token = _read.set(None)
    try:
        yield
    finally:
        _read.reset(token)


def fetch(request: HttpRequest, *keys: str) -> None:
    """Read ``keys`` and the registered sources' keys in one round trip, for ``get``."""
    if not getattr(settings, "REDIS_URL", "") or outage.trouble:
        return  # a process's own cache, or Redis held down: each reader on its own
    wanted = [*keys, *(key for source in _sources for key in source(request))]
    try:
        found = cache.get_many(wanted)
    except outage.ERRORS:
        return  # held down now; each reader falls back as it would have
    _read.set({key: found.get(key) for key in wanted})


def get(key: str) -> Any:
    """``cache.get(key)``, answered from this request's ``fetch`` the first time."""
    read = _read.get()
    if read is not None and key in read:
        return read.pop(key)
    return cache.get(key)
