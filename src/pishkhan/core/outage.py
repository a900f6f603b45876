"""What a process does when Redis does not answer (decision 61).

Redis holds only what the database can rebuild: the cache, sessions' copies, the per-minute
counters and the task queue's wake-ups. So every use of it decides on its own what to do without
it (read the database, count in this process, leave the outbox row for the sweeper), and this
module gives them three things:

* **Holding Redis down.** After a failure (refused, reset, timed out) this process does not ask
  Redis again for ``RETRY_SECONDS``: the cache backend raises ``RedisUnavailable`` at once
  instead. A Redis that drops packets costs a request ``REDIS_TIMEOUT_SECONDS`` per call, and a
  signed-in request makes three or four; without the hold every request would wait that long.
* **One warning per minute per kind** of degradation and process, so a Redis that is down does
  not fill the logs with a traceback per request.
* **The keys that may be stale.** A delete or overwrite Redis refused (a signed-out session, a
  saved user, a catalogue change) leaves the old copy in Redis for when it comes back. The key
  is written to the database (``StaleCacheKey``, in the caller's transaction, so a change rolled
  back notes nothing), and deleted from the cache before this process reads from Redis again,
  and by a worker every minute (``core.tasks.forget_stale_cache_keys``) for the processes that
  never saw Redis fail.

The happy path pays one check of a module flag per cache call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

import redis
from django.db import DatabaseError
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
LOG_EVERY_SECONDS = 60.0

# What a Redis that is down, unreachable or too slow raises: redis-py's errors (ConnectionError,
# TimeoutError, and their ``RedisUnavailable`` below), and the socket's own when it gets through.
ERRORS: tuple[type[BaseException], ...] = (redis.exceptions.RedisError, OSError)
# And what publishing a task to the broker (the same Redis) raises.
QUEUE_ERRORS: tuple[type[BaseException], ...] = (*ERRORS, KombuError)


class RedisUnavailable(redis.exceptions.ConnectionError):
    """Raised without asking Redis while this process holds it down after a failure."""


# True while Redis is held down or the stale keys are still to be forgotten: the cache backend
# checks this one flag per call and only then looks closer (``before_call``).
trouble = False
_down_until = 0.0
_replay_due = False
_logged: dict[str, float] = {}
_lock = threading.Lock()


def held_down() -> bool:
    return trouble and time.monotonic() < _down_until


def failed(kind: str, exc: BaseException) -> None:
    """Redis failed a call of ``kind``: hold it down for a while, and forget the possibly stale
    keys before this process reads from it again."""
    global trouble, _down_until, _replay_due
    if not isinstance(exc, RedisUnavailable):
        _down_until = time.monotonic() + RETRY_SECONDS
    _replay_due = True
    trouble = True
    warn(kind, exc)


def warn(kind: str, exc: BaseException | None = None) -> None:
    """Log that ``kind`` works without Redis now: once a minute per kind and process."""
    now = time.monotonic()
    with _lock:
        last = _logged.get(kind)
        if last is not None and now - last < LOG_EVERY_SECONDS:
            return
        _logged[kind] = now
    logger.warning("Redis unavailable, %s degraded (working without it): %r", kind, exc)


def before_call(cache: Any) -> None:
    """Called by the cache backend when ``trouble`` is set: refuse while Redis is held down;
    once the hold is over, forget the stale keys first (the call that fails here holds Redis
    down again)."""
    global trouble, _replay_due
    if time.monotonic() < _down_until:
        raise RedisUnavailable("Redis is held down after a failure")
    trouble = False
    if _replay_due:
        _replay_due = False
        try:
            forget_stale(cache)
        except DatabaseError as exc:
            _replay_due = trouble = True
            raise RedisUnavailable("stale keys could not be read") from exc


def note_stale(keys: Iterable[str]) -> None:
    """Note cache keys whose delete or overwrite Redis refused, in the caller's transaction."""
    from .models import StaleCacheKey

    StaleCacheKey.objects.bulk_create([StaleCacheKey(key=key) for key in keys])


def delete_or_note(cache: Any, key: str) -> None:
    """Delete ``key`` from the cache, or note it as stale when Redis refuses."""
    try:
        cache.delete(key)
    except ERRORS:
        note_stale([key])


def forget_stale(cache: Any, batch: int = 500) -> int:
    """Delete every noted stale key from the cache, then the notes; how many notes there were.
    A failing Redis raises out of here with the notes kept."""
    from .models import StaleCacheKey

    done = 0
    while True:
        rows = list(StaleCacheKey.objects.order_by("pk").values_list("pk", "key")[:batch])
        if not rows:
            return done
        cache.delete_many(sorted({key for _, key in rows}))
        StaleCacheKey.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
        done += len(rows)


class LocalCounter:
    """Per-process counts for one kind of window, the rate limits' stand-in while Redis is down:
    a flood is still limited, per process rather than for the whole site. Only the current
    window's counts are kept."""

    def __init__(self) -> None:
        self._window = ""
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, window: str) -> int:
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            count = self._counts[key] = self._counts.get(key, 0) + 1
        return count

    def clear(self) -> None:
        with self._lock:
            self._window, self._counts = "", {}


def reset() -> None:
    """Forget this process's view of Redis (tests; a process starting afresh)."""
    global trouble, _down_until, _replay_due
    trouble, _down_until, _replay_due = False, 0.0, False
    _logged.clear()
