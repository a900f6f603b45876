"""Background jobs of cases (Celery beat, see CELERY_BEAT_SCHEDULE in settings)."""

from __future__ import annotations

from celery import shared_task

from . import held


@shared_task  # type: ignore[untyped-decorator]
def prune_held_uploads() -> int:
    """Documents kept for a form that was never sent again (cases.held)."""
    return held.prune()
