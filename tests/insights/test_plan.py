"""A range is read from the coarsest cells that fit it (``insights.plan``): the spans hold
exactly the range's days, and the dashboards' reads planned that way give the same figures as a
plain sum of the day and month cells (what the dashboards read before there were year and
national cells), for random ranges, scopes and filters."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from typing import Any

import pytest

from pishkhan.catalog.models import Channel
from pishkhan.core.jalali import TEHRAN
from pishkhan.insights import plan as planning
from pishkhan.insights import rollups, selectors
from pishkhan.insights.models import (
    BUCKET_FIELDS,
    DecisionDay,
    DecisionMonth,
    OfficeDecisionMonth,
    OfficeStatusMonth,
    PendingChange,
    StatusDay,
    StatusMonth,
    StepMonth,
)
from pishkhan.insights.periods import DAY, Period, preset_period
from pishkhan.insights.plan import MONTH, YEAR, Span, plan
from pishkhan.insights.selectors import Counts, Cut, Histogram

# The data: three Jalali years and a half of changes, up to DATA_END (Tehran).
DATA_START = dt.date(2022, 1, 1)
DATA_END = dt.date(2025, 8, 31)


def _days_of(span: Span, low: dt.date, high: dt.date) -> set[dt.date]:
    """The days (within low..high) the cells of a span hold."""
    first = span.first or low
    if span.last is None:
        last = high
    elif span.grain == YEAR:
        last = planning._next(YEAR, span.last) - dt.timedelta(days=1)
    elif span.grain == MONTH:
        last = planning._next(MONTH, span.last) - dt.timedelta(days=1)
    else:
        last = span.last
    if span.grain == YEAR:
        assert span.first is None or span.first == rollups.jalali_year(span.first)
    if span.grain == MONTH:
        assert span.first is None or span.first == rollups.jalali_month(span.first)
    return {first + dt.timedelta(days=n) for n in range((min(last, high) - first).days + 1)}


def test_the_spans_hold_exactly_the_range_and_each_day_once():
    rng = random.Random(1405)
    low, horizon = dt.date(2012, 1, 1), dt.date(2030, 1, 1)  # open spans are counted from, to
    for _ in range(3000):
        today = dt.date(2019, 3, 1) + dt.timedelta(days=rng.randrange(2500))
        first = None if rng.random() < 0.15 else today - dt.timedelta(days=rng.randrange(1500))
        last = None if rng.random() < 0.15 else today - dt.timedelta(days=rng.randrange(-400, 900))
        if first is not None and last is not None and last < first:
            first, last = last, first
        finest = planning.DAY
        if rng.random() < 0.4 and first is not None:
            # Whole months (office and step cells): from a month's first day to a month's last.
            first = rollups.jalali_month(first)
            if last is not None:
                last = planning._next(MONTH, rollups.jalali_month(last)) - dt.timedelta(days=1)
            finest = MONTH
        spans = plan(first, last, today, finest)
        wanted_last = horizon if last is None else last
        wanted = {
            (first or low) + dt.timedelta(days=n)
            for n in range((wanted_last - (first or low)).days + 1)
        }
        held: Counter[dt.date] = Counter()
        for span in spans:
            for day in _days_of(span, low, horizon):
                held[day] += span.sign
        held = Counter({day: n for day, n in held.items() if n})
        assert held == Counter(wanted), (first, last, today, spans)  # each day once
        assert len([s for s in spans if s.grain == YEAR and s.sign > 0]) <= 1
        assert len(spans) <= 6
        assert all(s.grain != planning.DAY for s in spans) or finest == planning.DAY


def test_all_time_and_this_year_are_year_cells_only():
    today = dt.date(2025, 8, 20)
    assert plan(None, None, today) == [Span(YEAR, None, None)]
    this_year = preset_period("year", today)
    nowruz = dt.date(2025, 3, 21)
    # Farvardin to the end of Mordad 1404: the year, minus Shahrivar to Esfand (the future).
    assert plan(this_year.covered_first, this_year.covered_last, today) == [
        Span(YEAR, nowruz, nowruz),
        Span(MONTH, dt.date(2025, 8, 23), dt.date(2026, 2, 20), -1),
    ]
    # 1403/05/10 .. 1404/02/31: the months of 1403 from Mordad, then Farvardin and Ordibehesht
    # 1404 (whole months: the period is read by month).
    first, last = dt.date(2024, 7, 22), dt.date(2025, 5, 21)
    assert plan(first, last, today) == [Span(MONTH, first, dt.date(2025, 4, 21))]


# --- the figures, planned against plain sums of the day and month cells --------------------------


def _changes(rng: random.Random) -> list[PendingChange]:
    """Requests filed over the data's days, each moving on a few times (review, decision,
    delivery), some never decided."""
    rows: list[PendingChange] = []
    provinces, services = [1, 2, 3, 5], [(1, 11), (1, 12), (2, 21), (3, 31)]
    offices = {1: [101, 102], 2: [201], 3: [301], 5: []}
    span = (DATA_END - DATA_START).days * 86400
    for request_id in range(1, 1201):
        filed = dt.datetime.combine(DATA_START, dt.time(), tzinfo=TEHRAN) + dt.timedelta(
            seconds=rng.randrange(span)
        )
        province = rng.choice(provinces)
        agency, service = rng.choice(services)
        office = rng.choice(offices[province]) if offices[province] and rng.random() < 0.6 else None
        channel = Channel.OFFICE if office else Channel.ONLINE
        due = (filed + dt.timedelta(days=rng.choice([3, 10, 30]))).astimezone(TEHRAN).date()
        path = ["submitted", "in_review", rng.choice(["approved", "rejected"]), "delivered"]
        path = path[: rng.randint(1, 4)]
        at, since, previous = filed, None, ""
        for state in path:
            if previous:
                at = at + dt.timedelta(seconds=rng.choice([600, 7200, 90000, 900000, 9000000]))
            end = dt.datetime.combine(DATA_END, dt.time(23, 59), tzinfo=TEHRAN)
            if at > end:
                break
            rows.append(
                PendingChange(
                    request_id=request_id,
                    at=at,
                    since=since,
                    from_state=previous,
                    to_state=state,
                    submitted_at=filed,
                    sla_due_on=due,
                    province_id=province,
                    agency_id=agency,
                    service_id=service,
                    channel=channel,
                    office_id=office,
                )
            )
            since, previous = at, state
    return rows


def _sum_cells(model: Any, time: str, first, last, cut: Cut, *, channel: bool = True) -> list:
    rows = []
    for cell in model.objects.all():
        when = getattr(cell, time)
        if (first is not None and when < first) or (last is not None and when > last):
            continue
        if cut.province_id is not None and cell.province_id != cut.province_id:
            continue
        if cut.agency_ids is not None and cell.agency_id not in cut.agency_ids:
            continue
        if cut.service_id is not None and cell.service_id != cut.service_id:
            continue
        if channel and cut.channel and cell.channel != cut.channel:
            continue
        if cut.office_ids is not None and cell.office_id not in cut.office_ids:
            continue
        rows.append(cell)
    return rows


def _histogram(cell: Any, breached: bool = True) -> Histogram:
    return Histogram(
        cell.count,
        cell.total_seconds,
        cell.breached if breached else 0,
        tuple(getattr(cell, name) for name in BUCKET_FIELDS),
    )


def _plain(cut: Cut, period: Period) -> dict[str, Any]:
    """The figures summed cell by cell from the day cells (up to 62 days) or the month cells
    of the months the period touches, as the dashboards read them before the year cells."""
    by_day = period.grain == DAY and not cut.by_office
    months = (period.first_month, period.last_month)
    if cut.by_office:
        status = _sum_cells(OfficeStatusMonth, "month", *months, cut, channel=False)
        decided = _sum_cells(OfficeDecisionMonth, "month", *months, cut, channel=False)
    elif by_day:
        status = _sum_cells(StatusDay, "day", period.first, period.last, cut)
        decided = _sum_cells(DecisionDay, "day", period.first, period.last, cut)
    else:
        status = _sum_cells(StatusMonth, "month", *months, cut)
        decided = _sum_cells(DecisionMonth, "month", *months, cut)
    steps_cells = (
        [] if cut.by_office else _sum_cells(StepMonth, "month", *months, cut, channel=False)
    )
    by_service: dict[int, Counts] = defaultdict(Counts)
    by_status: dict[str, int] = defaultdict(int)
    by_province: dict[int, Counts] = defaultdict(Counts)
    series: dict[dt.date, Counts] = defaultdict(Counts)
    for cell in status:
        channel = getattr(cell, "channel", Channel.OFFICE)
        counts = (
            Counts(online=cell.requests) if channel == Channel.ONLINE else Counts(cell.requests)
        )
        by_service[cell.service_id] += counts
        by_status[cell.status] += cell.requests
        by_province[cell.province_id] += counts
        series[cell.day if by_day else cell.month] += counts
    decisions: dict[int, Histogram] = defaultdict(Histogram)
    decisions_by_province: dict[int, Histogram] = defaultdict(Histogram)
    for cell in decided:
        decisions[cell.service_id] += _histogram(cell)
        decisions_by_province[cell.province_id] += _histogram(cell)
    steps: dict[str, Histogram] = defaultdict(Histogram)
    for cell in [] if cut.by_office else steps_cells:
        steps[cell.state] += _histogram(cell, breached=False)
    found = {
        "by_service": {k: v for k, v in by_service.items() if v.total},
        "by_status": {k: v for k, v in by_status.items() if v},
        "series": {k: v for k, v in series.items() if v.total},
        "by_province": {k: v for k, v in by_province.items() if v.total},
        "decisions": {k: v for k, v in decisions.items() if v.count},
        "decisions_by_province": {k: v for k, v in decisions_by_province.items() if v.count},
    }
    if not cut.by_office:
        found["steps"] = {k: v for k, v in steps.items() if v.count}
    return found


def _planned(cut: Cut, period: Period) -> dict[str, Any]:
    volume = selectors.volume(cut, period)
    decided = selectors.decisions(cut, period)
    found = {
        "by_service": volume.by_service,
        "by_status": volume.by_status,
        "series": {day: counts for day, counts in volume.over_time if counts.total},
        "decisions": decided.by_service,
    }
    if not cut.by_office:  # office cells have no steps (county and office pages show none)
        found["steps"] = {step.state: step.time for step in selectors.steps(cut, period)}
    if cut.by_office:
        found["by_province"] = {cut.province_id: volume.total} if volume.total.total else {}
        found["decisions_by_province"] = (
            {cut.province_id: decided.total} if decided.total.count else {}
        )
        assert sum(selectors.volume_by_office(cut, period).values()) == volume.total.office
        by_office = selectors.decisions_by_office(cut, period)
        assert sum(by_office.values(), Histogram()) == decided.total
    else:
        found["by_province"] = selectors.volume_by_province(cut, period)
        found["decisions_by_province"] = selectors.decisions_by_province(cut, period)
    assert sum(volume.by_service.values(), Counts()) == volume.total
    assert sum(decided.by_service.values(), Histogram()) == decided.total
    return found


@pytest.mark.django_db
def test_planned_figures_equal_plain_sums_of_day_and_month_cells(monkeypatch):
    rng = random.Random(14050101)
    for model in rollups.ROLLUPS:
        model._default_manager.all().delete()  # only this test's cells (the demo's are recent)
    PendingChange.objects.all().delete()
    PendingChange.objects.bulk_create(_changes(rng))
    rollups.fold_all()
    assert StatusMonth.objects.exists() and StepMonth.objects.exists()
    cuts = [
        Cut(),
        Cut(channel=Channel.ONLINE),
        Cut(agency_ids=(1, 2)),
        Cut(service_id=11, channel=Channel.OFFICE),
        Cut(province_id=1),
        Cut(province_id=2, agency_ids=(2,)),
        Cut(province_id=1, office_ids=(101, 102)),
        Cut(province_id=1, office_ids=(102,), service_id=12),
    ]
    checked_years = 0
    for attempt in range(60):
        today = DATA_END + dt.timedelta(days=rng.choice([0, 0, 1, 17, 45]))
        monkeypatch.setattr(selectors, "today", lambda today=today: today)
        roll = rng.random()
        if roll < 0.15:
            period = preset_period(rng.choice(["30d", "year", "all"]), today)
        else:
            first = DATA_START + dt.timedelta(days=rng.randrange(-30, 1400))
            length = rng.choice([0, 10, 61, 62, 63, 200, 400, 800])
            period = Period(first, first + dt.timedelta(days=length + rng.randrange(30)))
        cut = cuts[attempt % len(cuts)]
        planned_spans = plan(period.covered_first, period.covered_last, today)
        checked_years += any(span.grain == YEAR for span in planned_spans)
        assert _planned(cut, period) == _plain(cut, period), (cut, period, today)
    assert checked_years >= 10  # year cells were read, not only months and days
