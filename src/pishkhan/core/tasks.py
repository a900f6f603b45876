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


@shared_task(name="pishkhan.core.tasks.forget_stale_cache_keys")
def forget_stale_cache_keys() -> int:
    """Delete the cache keys whose delete Redis refused during an outage (core.outage): for the
    web processes that never saw Redis fail and would read the old copy. Every minute."""
    from django.core.cache import cache

    from .outage import forget_stale

    return forget_stale(cache)
