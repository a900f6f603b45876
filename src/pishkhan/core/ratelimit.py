"""Per-minute counters for public look-ups (fixed one-minute windows).

With Redis (``REDIS_URL``) a hit is one round trip — ``INCR`` and ``EXPIRE … NX`` in one pipeline —
shared by every web process. Without it (the embedded default: one process) the cache counts.
The tracking look-up is a hot path (docs/performance.md), which is why this does not go through
Django's cache API: its ``incr`` asks Redis twice (``EXISTS``, then ``INCRBY``) and cannot set
an expiry in the same call.

While Redis does not answer (decision 61) each process counts for itself, with the same windows
(``core.outage.LocalCounter``): a flood is still limited, per process rather than for the site,
and nobody is refused because Redis is down.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.core.cache import cache as django_cache
from django.http import HttpRequest
from django.utils import timezone

from . import outage

WINDOW_TTL_SECONDS = 90  # a minute's counter outlives its minute a little, then goes
_local = outage.LocalCounter()


def client_address(request: HttpRequest) -> str:
    # Behind the TLS proxy, nginx puts the client first in X-Forwarded-For.
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return str(forwarded.split(",")[0].strip())
    return str(request.META.get("REMOTE_ADDR", "unknown"))


@cache
def _redis(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, **settings.REDIS_SOCKET_OPTIONS)


def hit(bucket: str, who: str, per_minute: int) -> bool:
    """Count one hit of ``who`` in ``bucket`` for the current minute; True when over the limit."""
    window = f"{timezone.now():%Y%m%d%H%M}"
    key = f"pishkhan:rate:{bucket}:{who}:{window}"
    url = getattr(settings, "REDIS_URL", "")
    if url:
        try:
            if outage.held_down():
                raise outage.RedisUnavailable("Redis is held down after a failure")
            pipe = _redis(url).pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, WINDOW_TTL_SECONDS, nx=True)
            count = int(pipe.execute()[0])
        except outage.ERRORS as exc:
            outage.failed("rate limits (counted per process)", exc)
            count = _local.hit(key, window)
    else:
        count = _count_in_cache(key)
    return count > per_minute


def _count_in_cache(key: str) -> int:
    try:
        return int(django_cache.incr(key))
    except ValueError:
        if django_cache.add(key, 1, WINDOW_TTL_SECONDS):
            return 1
        try:  # another request created it meanwhile
            return int(django_cache.incr(key))
        except ValueError:  # and it expired already
            django_cache.set(key, 1, WINDOW_TTL_SECONDS)
            return 1


def over_rate_limit(request: HttpRequest, bucket: str, per_minute: int) -> bool:
    """Count this request in its client's bucket for the current minute."""
    return hit(bucket, client_address(request), per_minute)
