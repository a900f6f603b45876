"""The staff's second factor on every request, read from the shared cache (django-otp's
middleware with one change).

django-otp's middleware reads the device a session was verified with from the database on every
request of a signed-in staff member (``Device.from_persistent_id``): with the staff's TOTP on,
as in production, that is one more query on each counter submission and each queue page, about
half a millisecond of ORM CPU. ``OTPMiddleware`` keeps the device in Redis instead, as
``backends.UserBackend`` keeps the user (decision 32): forgotten when a device is saved or
deleted, at once and again when the transaction commits, and kept at most
``DEVICE_CACHE_SECONDS``. What the middleware decides from it is unchanged: the device must
belong to the signed-in user and be confirmed (django-otp's ``_finalize_device``), so removing a
staff member's device signs that second factor out on their next request. Without Redis each
process would keep its own copy, so the database is read as before. While Redis does not answer
the device is read from the database, and a forget Redis refused is noted, as for the user
(decision 61).

Once the session names the user and the device, both are read from Redis in one round trip
with the other keys a request reads (``core.readahead``); a session's later requests in the same
process read them with the session itself, one round trip in all.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.functional import LazyObject, empty
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware

from pishkhan.core import outage, readahead
from pishkhan.core.sessions import SessionStore

from . import backends

DEVICE_CACHE_SECONDS = 300
# The keys each recent session's request read (``OTPMiddleware._read_session_ahead``), at most
# this many sessions per process: a few hundred bytes each.
REMEMBERED_SESSIONS = 10_000
_keys_of_sessions: dict[str, tuple[str, ...]] = {}


def _key(persistent_id: str) -> str:
    return f"accounts:otp-device:{persistent_id}"


def concrete_user(user: Any) -> Any:
    """The user object behind ``request.user``'s lazy wrappers, loaded if it was not yet.

    Every attribute read through Django's ``SimpleLazyObject`` raises and catches an
    ``AttributeError`` (``LazyObject.__getattribute__``), and django-otp wraps the
    authentication middleware's lazy user in a second one: a counter submission read the user
    about 35 times, 70 exceptions with their messages and tracebacks.
    """
    while isinstance(user, LazyObject):
        lazy: Any = user  # its _wrapped and _setup are not in django-stubs
        if lazy._wrapped is empty:
            lazy._setup()
        user = lazy._wrapped
    return user


class OTPMiddleware(DjangoOTPMiddleware):  # type: ignore[misc]  # django-otp has no types
    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = readahead.begin()
        try:
            self._read_session_ahead(request)
            return super().__call__(request)  # type: ignore[no-any-return]
        finally:
            readahead.end(token)

    def _read_session_ahead(self, request: HttpRequest) -> None:
        """The session, with the keys its last request in this process read, in one round trip.

        The session names the user and the device, so a first request reads it and then them
        (two round trips); this process remembers which keys a session's request read, and the
        session's next request reads them with the session itself. Only which keys are
        remembered, never values: a key the session no longer names (another device) is read
        and not used, and ``_read_ahead`` then reads the one it names."""
        session = getattr(request, "session", None)
        if not isinstance(session, SessionStore) or settings.SESSION_CACHE_ALIAS != "default":
            return
        session_key = session.session_key
        remembered = _keys_of_sessions.get(session_key or "")
        if session_key and remembered:
            readahead.fetch(request, session.cache_key_prefix + session_key, *remembered)

    def _verify_user_sync(self, request: Any, user: Any) -> Any:
        self._read_ahead(request)
        # django-otp's lazy user wraps the user itself, not the authentication middleware's
        # lazy object: one wrapper, and roles_required takes that one off (concrete_user).
        return super()._verify_user_sync(request, concrete_user(user))

    def _read_ahead(self, request: Any) -> None:
        """The signed-in user, their device and the registered keys, in one round trip."""
        session = getattr(request, "session", None)
        if session is None or not getattr(settings, "REDIS_URL", ""):
            return
        user_id = session.get(SESSION_KEY)
        if user_id is None:
            return  # nobody is signed in: nothing of theirs to read
        keys = [backends.cache_key(user_id)]
        persistent_id = session.get(DEVICE_ID_SESSION_KEY)
        if persistent_id:
            keys.append(_key(self._normalize_persistent_id(persistent_id)))
        readahead.fetch(request, *keys)  # none of them again if read with the session
        if session.session_key:
            if len(_keys_of_sessions) >= REMEMBERED_SESSIONS:
                _keys_of_sessions.clear()
            _keys_of_sessions[session.session_key] = tuple(keys)

    def _device_from_persistent_id(self, persistent_id: str) -> Any:
        if not getattr(settings, "REDIS_URL", ""):
            return super()._device_from_persistent_id(persistent_id)
        persistent_id = self._normalize_persistent_id(persistent_id)
        key = _key(persistent_id)
        try:
            device = readahead.get(key)
        except outage.ERRORS:
            outage.warn("staff second factor (read from the database)")
            return super()._device_from_persistent_id(persistent_id)
        if device is None:
            device = super()._device_from_persistent_id(persistent_id)
            if device is None:
                return None
            with contextlib.suppress(*outage.ERRORS):  # read from the database next time
                cache.set(key, device, DEVICE_CACHE_SECONDS)
        return device


def forget_device(sender: Any, instance: Any, **kwargs: Any) -> None:
    """post_save / post_delete of a device model: the kept copy goes, now and on commit."""
    key = _key(instance.persistent_id)
    outage.delete_or_note(cache, key)
    transaction.on_commit(lambda: outage.delete_or_note(cache, key))
