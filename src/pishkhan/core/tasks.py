"""Background jobs of core (run by Celery beat, see CELERY_BEAT_SCHEDULE in settings)."""

from __future__ import annotations

from celery import shared_task

from .audit import make_checkpoint


@shared_task(name="pishkhan.core.tasks.audit_checkpoint")
def audit_checkpoint() -> int | None:
    """Close the settled audit events into a checkpoint; the new checkpoint's id, or None."""
    checkpoint = make_checkpoint()
    return checkpoint.pk if checkpoint is not None else None


@shared_task(name="pishkhan.core.tasks.prune_records")
def prune_records() -> dict[str, int | None]:
    """Delete what is past its keeping time (core.retention): run daily by Celery beat."""
    from .retention import prune_all

    return prune_all()
