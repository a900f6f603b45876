from __future__ import annotations

from celery import shared_task

from .rollups import fold_all


@shared_task  # type: ignore[untyped-decorator]
def fold_pending() -> int:
    """Fold every pending state change into the rollups (celery beat, every 10 s)."""
    return fold_all()
