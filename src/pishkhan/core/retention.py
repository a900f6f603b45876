"""Records kept only as long as they are needed (docs/retention.md, decision 60).

Sign-in codes, sessions, delivered text messages and the like hold personal data (a national code,
a mobile number, a client's address) and pile up with every use. Each app registers here what it
prunes, in its ``AppConfig.ready``; one daily job (``core.tasks.prune_records``, Celery beat) and
``pishkhan prune`` run them all. The apps' records are named here, never imported: core learns of
them as the workflow engine learns of its listeners.

Requests, their audit events, payments and the citizen's data-access log are records of the
state and are not pruned here (docs/retention.md says why).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)

Prune = Callable[[dt.datetime], int]
_pruners: dict[str, Prune] = {}

DELETE_BATCH = 5_000  # rows per statement: a day's backlog must not hold one long transaction


def register(name: str, prune: Prune) -> None:
    """``prune(now)`` deletes the records of kind ``name`` past their time; returns how many."""
    _pruners[name] = prune


def registered() -> list[str]:
    return sorted(_pruners)


def prune_all(now: dt.datetime | None = None) -> dict[str, int | None]:
    """Run every registered pruner; a pruner that fails is logged and reported as None, and the
    others still run (a full disk of sessions must not keep the text messages forever)."""
    now = now or timezone.now()
    done: dict[str, int | None] = {}
    for name in registered():
        try:
            done[name] = _pruners[name](now)
        except Exception:
            logger.exception("pruning %s failed", name)
            done[name] = None
    return done


def delete_in_batches(queryset: QuerySet[Any]) -> int:
    """Delete the rows of ``queryset`` a batch per statement. In no order: sorting a large backlog
    again for every batch would cost more than the deletes."""
    model = queryset.model
    deleted = 0
    while True:
        ids = list(queryset.order_by().values_list("pk", flat=True)[:DELETE_BATCH])
        if not ids:
            return deleted
        count, _ = model._default_manager.filter(pk__in=ids).delete()
        deleted += count
