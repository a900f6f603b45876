"""Sessions kept in Redis and written through to the database, that work without Redis
(decision 61): Django's ``cached_db`` engine, with each cache call deciding what to do when
Redis does not answer.

* Reading: the database answers, and nothing is put in the cache (it is down).
* Writing: the database is written first, as before; an overwrite Redis refused leaves the
  previous copy there, so the key is noted as stale (``core.outage``) and deleted from the cache
  before it is read again. A new session (a new key) has no previous copy to note.
* Deleting (sign-out, a key rotated at sign-in): the database row goes; a delete Redis refused is
  noted the same way, so a signed-out session cannot come back from Redis when it returns.

Django's own engine logs a traceback for a refused write and keeps the stale copy, and raises
into the request for a refused read-back or delete.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

from . import outage, readahead


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict[str, Any]:
        try:
            # Read with the keys its request reads, when they are known (core.readahead).
            data = readahead.get(self.cache_key, self._cache)
        except outage.ERRORS:
            outage.warn("sessions (read from the database)")
            return self._from_database(keep=False)
        except Exception:  # Django's own: an invalid key for the backend resets the session
            data = None
        if data is None:
            return self._from_database(keep=True)
        return data  # type: ignore[no-any-return]

    def _from_database(self, *, keep: bool) -> dict[str, Any]:
        row = self._get_session_from_db()
        if not row:
            return {}
        data: dict[str, Any] = self.decode(row.session_data)
        if keep:
            with contextlib.suppress(*outage.ERRORS):  # the next request reads the database
                self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=row.expire_date))
        return data

    def exists(self, session_key: str | None) -> bool:
        if not session_key:
            return False
        try:
            if (self.cache_key_prefix + session_key) in self._cache:
                return True
        except outage.ERRORS:
            pass
        return DBStore.exists(self, session_key)

    def save(self, must_create: bool = False) -> None:
        DBStore.save(self, must_create)
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except outage.ERRORS:
            outage.warn("sessions (written to the database only)")
            if not must_create:
                outage.note_stale([self.cache_key])

    def delete(self, session_key: str | None = None) -> None:
        DBStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        outage.delete_or_note(self._cache, self.cache_key_prefix + session_key)
