"""Working days over Iran's calendar: a configurable weekend plus official holidays.

Holidays come from the ``holidays`` package (country IR) and an admin-edited override table
(``core.CalendarOverride``), which wins: the package estimates lunar holidays after 2026, and
the government sometimes closes offices at short notice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import holidays as holidays_package

DEFAULT_WEEKEND = frozenset({3, 4})  # Thursday and Friday (Monday is 0)


@dataclass
class WorkingCalendar:
    """Which days are working days. Pure: give it the weekend and the overrides."""

    weekend: frozenset[int] = DEFAULT_WEEKEND
    # date -> True (closed) / False (open): overrides both the weekend and the package.
    overrides: dict[dt.date, bool] = field(default_factory=dict)
    _package: holidays_package.HolidayBase = field(init=False, repr=False)
    # Each day's answer, once asked: a submission's due day walks the next two or three weeks
    # and a queue page's badges its rows' days, each a look-up in the package's holidays that
    # costs more than the walk. A calendar is rebuilt when its overrides change
    # (core.calendar), so the answers are never older than the calendar itself.
    _closed: dict[dt.date, bool] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._package = holidays_package.country_holidays("IR")

    def is_holiday(self, day: dt.date) -> bool:
        closed = self._closed.get(day)
        if closed is None:
            closed = self._closed[day] = self._is_holiday(day)
        return closed

    def _is_holiday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return day.weekday() in self.weekend or day in self._package

    def is_working_day(self, day: dt.date) -> bool:
        return not self.is_holiday(day)

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself is not counted).

        With ``days`` = 0 it is ``start`` when that is a working day, else the next one.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        if days == 0:
            while not self.is_working_day(current):
                current += dt.timedelta(days=1)
            return current
        remaining = days
        while remaining:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when ``end`` is before ``start``."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1
            for offset in range(1, (end - start).days + 1)
            if self.is_working_day(start + dt.timedelta(days=offset))
        )

    def working_days(self, days: Iterable[dt.date]) -> list[dt.date]:
        return [day for day in days if self.is_working_day(day)]


# The project's calendar is built from settings and the override table by core.calendar,
# which registers itself here; the pure functions below use it.
_calendar_factory: Callable[[], WorkingCalendar] = WorkingCalendar


def set_calendar_factory(factory: Callable[[], WorkingCalendar]) -> None:
    global _calendar_factory
    _calendar_factory = factory


def current_calendar() -> WorkingCalendar:
    return _calendar_factory()


def add_working_days(start: dt.date, days: int) -> dt.date:
    return current_calendar().add_working_days(start, days)


def working_days_between(start: dt.date, end: dt.date) -> int:
    return current_calendar().working_days_between(start, end)
