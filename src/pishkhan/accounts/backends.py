"""Signing in and the signed-in user on every request.

``UserBackend`` is Django's ``ModelBackend`` (passwords, permissions) with one change: the
signed-in user is read from the shared cache (Redis) instead of the database on each request.
That read was a tenth of the CPU of a counter submission (docs/performance.md): the ORM composes
and converts a 20-column row, about 0.8 ms here, against 0.1 ms for a cache read.

A saved or deleted user is forgotten at once and again when its transaction commits (so a
request reading the old row meanwhile cannot keep it), and a kept user lives at most
``USER_CACHE_SECONDS``. Users are never changed with ``QuerySet.update`` (which sends no
signal); a change made outside the ORM is seen within that time. Without Redis (the embedded
default, tests) each process's cache would be its own, so the database is read as before.

While Redis does not answer (decision 61) the user is read from the database and not kept, and a
forget Redis refused is noted in the database (``core.outage.delete_or_note``, in the save's
transaction), so that the old row (deactivated, another role) is deleted from Redis before this
process reads from it again, and by a worker within the minute for the others: not served for
``USER_CACHE_SECONDS`` after Redis returns.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

from pishkhan.core import outage, readahead

BACKEND = "pishkhan.accounts.backends.UserBackend"
USER_CACHE_SECONDS = 300


def cache_key(user_id: Any) -> str:
    """The kept user's key, from the id as the session holds it (text) or as a number."""
    return f"accounts:user:{user_id}"


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        if not getattr(settings, "REDIS_URL", ""):
            return super().get_user(user_id)
        key = cache_key(user_id)
        try:
            user = readahead.get(key)  # read with the device (accounts.middleware)
        except outage.ERRORS:
            outage.warn("signed-in users (read from the database)")
            return super().get_user(user_id)
        if user is None:
            user = super().get_user(user_id)  # None when there is none or it cannot sign in
            if user is None:
                return None
            with contextlib.suppress(*outage.ERRORS):  # read from the database next time
                cache.set(key, user, USER_CACHE_SECONDS)
        return user if self.user_can_authenticate(user) else None


def forget_user(sender: Any, instance: Any, **kwargs: Any) -> None:
    """post_save / post_delete of the user model: the kept copy goes, now and on commit."""
    key = cache_key(instance.pk)
    outage.delete_or_note(cache, key)
    transaction.on_commit(lambda: outage.delete_or_note(cache, key))
