"""The cache reads a request will make, fetched from Redis together (one MGET).

A signed-in request reads its session, then three more keys one round trip each: its user, the
staff's second-factor device and the catalogue's generation. Each round trip costs about 50 µs of
the app's CPU and as much of Redis's, more than the reads themselves (docs/performance.md). The
session names the user and the device, so on a session's first request in a process the other
three are read together once it is there, and on its later ones with the session itself
(``accounts.middleware.OTPMiddleware`` remembers which keys a session read): ``fetch`` reads them
and ``get`` hands each value out once, to the code that reads it as before. What a request reads
twice (after a change of its own, say) goes to Redis the second time, so a value is never older
than the start of the request that uses it.

Apps add their keys with ``register`` (a function of the request, so a key may depend on who is
signed in); ``accounts.middleware.OTPMiddleware`` calls ``fetch``.
Outside a request, without Redis, and while Redis does not answer (decision 61: each reader then
decides on its own), ``get`` is ``cache.get``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
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


def begin() -> Token[dict[str, Any] | None]:
    """A request starts: nothing read ahead yet. Give the token to ``end`` when it ends."""
    return _read.set(None)


def end(token: Token[dict[str, Any] | None]) -> None:
    """The request ended: what ``fetch`` read for it goes."""
    _read.reset(token)


@contextmanager
def request_scope() -> Iterator[None]:
    """``begin`` and ``end`` around a block (the middleware calls them itself: cheaper)."""
    token = begin()
    try:
        yield
    finally:
        end(token)


def fetch(request: HttpRequest, *keys: str) -> None:
    """Read ``keys`` and the registered sources' keys in one round trip, for ``get``; keys this
    request has read ahead already (and not yet used) are not read again."""
    if not getattr(settings, "REDIS_URL", "") or outage.trouble:
        return  # a process's own cache, or Redis held down: each reader on its own
    read = _read.get() or {}
    wanted = [
        key
        for key in dict.fromkeys([*keys, *(key for source in _sources for key in source(request))])
        if key not in read
    ]
    if not wanted:
        return
    try:
        found = cache.get_many(wanted)
    except outage.ERRORS:
        return  # held down now; each reader falls back as it would have
    _read.set({**read, **{key: found.get(key) for key in wanted}})


def get(key: str, fallback: Any = cache) -> Any:
    """``fallback.get(key)`` (the default cache's), answered from this request's ``fetch`` the
    first time."""
    read = _read.get()
    if read is not None and key in read:
        return read.pop(key)
    return fallback.get(key)
