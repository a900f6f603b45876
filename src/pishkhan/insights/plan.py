"""Which cells answer a range of days: the coarsest that fit it exactly — whole Jalali years from
year cells, the months left from month cells, the days left from day cells — so a range of any
length reads at most one cell per key per year, plus the months and days at its two ends.

A range of whole months that ends in today's Jalali year, today or later ("this year", up to the
end of this month), is read as the year's cells minus the month cells after its end: those are
in the future, so that read finds (next to) nothing, and "this year" costs one cell per key,
not one per month. Subtracting keeps it exact whatever the clock (a cell dated after today, from
a clock running ahead, is taken out again). docs/insights.md, "How a range is read".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .rollups import jalali_month, jalali_year

DAY, MONTH, YEAR = "day", "month", "year"
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Span:
    """Cells of one grain whose time column is from ``first`` to ``last`` (both included; first
    days of months or years for those grains; None: open on that side), added (sign 1) or
    subtracted (sign -1)."""

    grain: str
    first: dt.date | None
    last: dt.date | None
    sign: int = 1


def _next(grain: str, start: dt.date) -> dt.date:
    """The first day of the month or year after the one starting on ``start``."""
    if grain == YEAR:
        return jalali_year(start + dt.timedelta(days=366))
    return jalali_month(start + dt.timedelta(days=31))


def _unit_start(grain: str, day: dt.date) -> dt.date:
    return jalali_year(day) if grain == YEAR else jalali_month(day)


def _whole(
    grain: str, first: dt.date | None, last: dt.date | None
) -> tuple[dt.date | None, dt.date | None] | None:
    """The whole months or years inside the days ``first``..``last`` (None: open on that
    side): the first one's and the last one's start (None: open), or None when none fits."""
    low: dt.date | None = None
    if first is not None:
        start = _unit_start(grain, first)
        low = start if start == first else _next(grain, start)
    if last is None:
        return (low, None)
    start = _unit_start(grain, last)
    high = start if _next(grain, start) - ONE_DAY == last else _unit_start(grain, start - ONE_DAY)
    return None if low is not None and high < low else (low, high)


def plan(
    first: dt.date | None, last: dt.date | None, today: dt.date, finest: str = DAY
) -> list[Span]:
    """The spans of cells, coarsest first, that together hold exactly the days ``first``..
    ``last`` (None: open on that side). ``finest`` MONTH: the range is made of whole months
    (office cells have no day cells)."""
    if first is not None and last is not None and first > last:
        return [Span(finest, first, last)]  # an empty range: one read that finds nothing
    if last is not None and last >= today:
        year = jalali_year(last)
        year_end = _next(YEAR, year) - ONE_DAY
        after = _next(MONTH, jalali_month(last))
        if (first is None or first <= year) and last != year_end and after - ONE_DAY == last:
            # Ends with whole months, today or later, in a year it holds the start of: the whole
            # year, minus the months after the range (in the future: next to nothing to read).
            whole = plan(first, year_end, today, finest)
            return [*whole, Span(MONTH, after, jalali_month(year_end), -1)]
    spans: list[Span] = []
    pending: list[tuple[dt.date | None, dt.date | None]] = [(first, last)]
    for grain in (YEAR, MONTH):
        left: list[tuple[dt.date | None, dt.date | None]] = []
        for low_day, high_day in pending:
            fit = _whole(grain, low_day, high_day)
            if fit is None:
                left.append((low_day, high_day))
                continue
            low, high = fit
            spans.append(Span(grain, low, high))
            if low is not None and low_day is not None and low_day < low:
                left.append((low_day, low - ONE_DAY))
            if high is not None and high_day is not None and _next(grain, high) <= high_day:
                left.append((_next(grain, high), high_day))
        pending = left
    if pending and finest == MONTH:
        raise ValueError(f"{first}..{last} is not made of whole months")
    spans += [Span(DAY, low_day, high_day) for low_day, high_day in pending]
    return spans
