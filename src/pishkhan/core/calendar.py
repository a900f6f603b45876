"""The project's working-day calendar: settings' weekend + the override table, cached briefly."""

from __future__ import annotations

import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from .models import CalendarOverride
from .workdays import WorkingCalendar, set_calendar_factory

_CACHE_SECONDS = 60
_cached: tuple[float, WorkingCalendar] | None = None


def project_calendar() -> WorkingCalendar:
    global _cached
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < _CACHE_SECONDS:
        return _cached[1]
    calendar = WorkingCalendar(
        weekend=frozenset(settings.PISHKHAN_WEEKEND),
        overrides=dict(CalendarOverride.objects.values_list("date", "is_holiday")),
    )
    _cached = (now, calendar)
    return calendar


def forget_calendar(**_kwargs: object) -> None:
    global _cached
    _cached = None


def install() -> None:
    set_calendar_factory(project_calendar)
    post_save.connect(forget_calendar, sender=CalendarOverride, dispatch_uid="calendar-save")
    post_delete.connect(forget_calendar, sender=CalendarOverride, dispatch_uid="calendar-del")
