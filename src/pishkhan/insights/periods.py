"""The period a dashboard shows, and the grain it is shown at.

Ranges of up to 62 days are shown by day; longer ones (and "all") by Jalali month, widened to
whole months. Office, county and "where time goes" figures always cover the whole Jalali months
the period touches. Which cells hold the days covered — years, months, days — is
``insights.plan``'s choice: at most one cell per key and Jalali year, however long the history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jdatetime
from django.utils import timezone

from pishkhan.core.jalali import TEHRAN, to_jalali

from .rollups import jalali_month

DAY, MONTH = "day", "month"
MAX_DAYS_BY_DAY = 62
LAST_30, THIS_YEAR, ALL = "30d", "year", "all"
PRESETS = (LAST_30, THIS_YEAR, ALL)


def today() -> dt.date:
    """Today in Tehran (the cells' days are Tehran's)."""
    return timezone.now().astimezone(TEHRAN).date()


def next_month(month: dt.date) -> dt.date:
    """The first day of the Jalali month after the one starting on ``month``."""
    return jalali_month(month + dt.timedelta(days=31))


def month_end(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the Jalali months from ``first``'s to ``last``'s, both included."""
    months, month = [], jalali_month(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


@dataclass(frozen=True)
class Period:
    """Days ``first``..``last`` (Tehran, both included); None: open on that side."""

    first: dt.date | None
    last: dt.date | None
    preset: str = ""

    @property
    def grain(self) -> str:
        if self.first is None or self.last is None:
            return MONTH
        return DAY if (self.last - self.first).days < MAX_DAYS_BY_DAY else MONTH

    @property
    def first_month(self) -> dt.date | None:
        return jalali_month(self.first) if self.first else None

    @property
    def last_month(self) -> dt.date | None:
        return jalali_month(self.last) if self.last else None

    @property
    def covered_first(self) -> dt.date | None:
        """The first day the status and decision figures cover (whole months when by month)."""
        return self.first if self.grain == DAY else self.first_month

    @property
    def covered_last(self) -> dt.date | None:
        if self.grain == DAY or self.last is None:
            return self.last
        return month_end(jalali_month(self.last))

    @property
    def months_first(self) -> dt.date | None:
        """The first day of the month cells' range (office, county, time in steps)."""
        return self.first_month

    @property
    def months_last(self) -> dt.date | None:
        return month_end(jalali_month(self.last)) if self.last else None

    @staticmethod
    def start_of(day: dt.date | None) -> dt.datetime | None:
        return dt.datetime.combine(day, dt.time(), tzinfo=TEHRAN) if day else None

    @staticmethod
    def end_of(day: dt.date | None) -> dt.datetime | None:
        """The moment after the day ends (exclusive bound)."""
        if day is None:
            return None
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=TEHRAN)


def preset_period(preset: str, on: dt.date | None = None) -> Period:
    on = on or today()
    if preset == THIS_YEAR:
        j = to_jalali(on)
        return Period(jdatetime.date(j.year, 1, 1).togregorian(), on, THIS_YEAR)
    if preset == ALL:
        return Period(None, None, ALL)
    return Period(on - dt.timedelta(days=29), on, LAST_30)
