"""Reads from a streaming replica, where a page can take figures a few seconds old.

``design.md``: PostgreSQL with read replicas for dashboards (docs/scaling.md, step 3). With
``DATABASE_REPLICA_URL`` set, settings add the ``replica`` database, and every ORM read made
inside ``replica_reads()`` goes there — the dashboards and their exports read through it. Without
it, nothing changes. Reads inside a transaction on the primary stay on the primary (a write and
what it reads must agree, and a replica refuses ``SELECT … FOR UPDATE``); writes always go to the
primary.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_reading: ContextVar[bool] = ContextVar("pishkhan_replica_reads", default=False)


def has_replica() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    """Inside, ORM reads go to the replica (when there is one)."""
    token = _reading.set(has_replica())
    try:
        yield
    finally:
        _reading.reset(token)


def in_transaction() -> bool:
    return bool(connections[DEFAULT_DB_ALIAS].in_atomic_block)


class ReplicaRouter:
    """Settings' ``DATABASE_ROUTERS``: the replica for reads inside ``replica_reads()``."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _reading.get() and not in_transaction():
            return REPLICA
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same rows on both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary's schema
