"""Reads of the dashboards' figures: grouped sums over the rollup cells (never the requests
table), returned as plain dataclasses. docs/insights.md defines every figure; the views turn
these into tables and charts (``tables``).

Each read is one ``GROUP BY`` over one rollup per span of the period's plan (``plan``: whole
Jalali years from year cells, the months left from month cells, the days left from day cells),
restricted by the scope (province, agencies) and the filters (service, channel); a read with no
province (the national pages) reads the national cells. A page's cost depends on the number of
services, provinces and days shown, not on the number of requests or the length of history.
Satisfaction and complaints are read from the feedback app's tables, grouped.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, QuerySet, Sum

from pishkhan.cases.models import ServiceRequest
from pishkhan.catalog.models import Channel
from pishkhan.core.models import Province
from pishkhan.feedback.models import Complaint, ComplaintKind, ComplaintStatus, Rating
from pishkhan.feedback.selectors import Dimension, Satisfaction, satisfaction_by
from pishkhan.licensing.models import CountyCapacity
from pishkhan.licensing.services import capacity_table
from pishkhan.offices.models import Office, OfficeStatus
from pishkhan.workflow.models import WorkflowDefinition

from .models import BUCKET_FIELDS, BUCKET_HOURS, BUCKETS, Cell
from .periods import DAY, MONTH, Period, months_between, today
from .plan import plan
from .rollups import ROLLUPS

# --- histograms and percentiles ------------------------------------------------------------------


def percentile_bucket(buckets: Sequence[int], percent: int) -> int | None:
    """The bucket holding the ``percent``-th percentile: the first bucket where the cumulative
    count reaches ``percent`` % of all; None when there is nothing counted."""
    total = sum(buckets)
    if total <= 0:
        return None
    running = 0
    for index, count in enumerate(buckets):
        running += count
        if running * 100 >= percent * total:
            return index
    return len(buckets) - 1


def bucket_upper_hours(index: int) -> int | None:
    """A bucket's upper bound in hours; None for the last bucket (above 90 days)."""
    return BUCKET_HOURS[index] if index < len(BUCKET_HOURS) else None


@dataclass(frozen=True)
class Histogram:
    """How many, their total time, how many were late (decisions) and the bucket counts."""

    count: int = 0
    total_seconds: int = 0
    breached: int = 0
    buckets: tuple[int, ...] = (0,) * BUCKETS

    def __add__(self, other: Histogram) -> Histogram:
        return Histogram(
            self.count + other.count,
            self.total_seconds + other.total_seconds,
            self.breached + other.breached,
            tuple(a + b for a, b in zip(self.buckets, other.buckets, strict=True)),
        )

    @property
    def median(self) -> int | None:
        return percentile_bucket(self.buckets, 50)

    @property
    def p90(self) -> int | None:
        return percentile_bucket(self.buckets, 90)

    @property
    def average_hours(self) -> float | None:
        return self.total_seconds / self.count / 3600 if self.count else None

    @property
    def breach_rate(self) -> float | None:
        """Late decisions ÷ decisions, as a percentage."""
        return 100 * self.breached / self.count if self.count else None


def _histogram(row: dict[str, Any], breached: bool = True, sign: int = 1) -> Histogram:
    return Histogram(
        sign * int(row["count"] or 0),
        sign * int(row["total_seconds"] or 0),
        sign * int(row["breached"] or 0) if breached else 0,
        tuple(sign * int(row[name] or 0) for name in BUCKET_FIELDS),
    )


def _histogram_sums(breached: bool = True) -> dict[str, Sum]:
    sums = {name: Sum(name) for name in ("count", "total_seconds", *BUCKET_FIELDS)}
    if breached:
        sums["breached"] = Sum("breached")
    return sums


# --- what to read --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cut:
    """The cells a page reads: its scope and filters. ``office_ids`` set: counter requests of
    these offices only (office cells, by month)."""

    province_id: int | None = None
    agency_ids: tuple[int, ...] | None = None
    service_id: int | None = None
    channel: str = ""  # "", "office" or "online"
    office_ids: tuple[int, ...] | None = None

    @property
    def by_office(self) -> bool:
        return self.office_ids is not None

    @property
    def no_offices(self) -> bool:
        """Office cells hold counter requests only: an "online" filter leaves none of them."""
        return self.channel == Channel.ONLINE


def _place_of(model: type[Cell]) -> str:
    if model.FAMILY.startswith("office"):
        return "office"
    if "service_id" not in model.KEY:
        return "province_total"  # by province and agency, every service together
    return "province" if "province_id" in model.KEY else "national"


# The rollup of each family, grain and place ("province" cells, "national" cells without the
# province, "province_total" cells without the service, "office" cells).
MODELS: dict[tuple[str, str, str], type[Cell]] = {
    (model.FAMILY.removeprefix("office_"), model.GRAIN, _place_of(model)): model
    for model in ROLLUPS
}


def _restrict(
    rows: QuerySet[Any],
    cut: Cut,
    time: str,
    first: dt.date | None,
    last: dt.date | None,
    *,
    channel: bool = True,
) -> QuerySet[Any]:
    if first is not None:
        rows = rows.filter(**{f"{time}__gte": first})
    if last is not None:
        rows = rows.filter(**{f"{time}__lte": last})
    if cut.province_id is not None:
        rows = rows.filter(province_id=cut.province_id)
    if cut.agency_ids is not None:
        rows = rows.filter(agency_id__in=cut.agency_ids)
    if cut.service_id is not None:
        rows = rows.filter(service_id=cut.service_id)
    if channel and cut.channel:
        rows = rows.filter(channel=cut.channel)
    if cut.office_ids is not None:
        rows = rows.filter(office_id__in=cut.office_ids)
    return rows.order_by()


def _place(cut: Cut) -> str:
    if cut.by_office:
        return "office"
    return "province" if cut.province_id is not None else "national"


def _cells(
    cut: Cut, period: Period, family: str, place: str = ""
) -> list[tuple[QuerySet[Any], int]]:
    """The cells of a family ("status", "decision", "step") holding the cut over the period: one
    query per span of the period's plan, with the sign its sums are added with. Office cuts,
    and steps, are by whole months (the months the period touches); status and decisions by the
    days the period covers (whole months when it is read by month). ``place``: "province",
    "province_total" or "office" cells whatever the cut (the tables by province and office)."""
    place = place or _place(cut)
    if place == "office" or family == "step":
        first, last, finest = period.months_first, period.months_last, MONTH
    else:
        first, last, finest = period.covered_first, period.covered_last, DAY
    if place == "office" and cut.no_offices:
        return []
    found = []
    for span in plan(first, last, today(), finest):
        model = MODELS[(family, span.grain, place)]
        rows = _restrict(
            model._default_manager.all(),
            cut,
            span.grain,
            span.first,
            span.last,
            channel=family != "step" and place != "office",
        )
        found.append((rows, span.sign))
    return found


def _series(cut: Cut, period: Period) -> tuple[QuerySet[Any], str, dt.date | None, dt.date | None]:
    """The status cells of the period by day (up to 62 days) or by month: the "over time"
    series, one point per day or month, and the days or months it spans."""
    place = _place(cut)
    grain = MONTH if place == "office" else period.grain
    if grain == DAY:
        first, last = period.first, period.last
    else:
        first, last = period.first_month, period.last_month
    model = MODELS[("status", grain, place)]
    rows = _restrict(
        model._default_manager.all(), cut, grain, first, last, channel=place != "office"
    )
    if place == "office" and cut.no_offices:
        rows = rows.none()
    return rows, grain, first, last


# --- volumes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    office: int = 0
    online: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.office + other.office, self.online + other.online)

    @property
    def total(self) -> int:
        return self.office + self.online

    @property
    def online_share(self) -> float | None:
        return 100 * self.online / self.total if self.total else None


def _counts(channel: str, n: int) -> Counts:
    return Counts(online=n) if channel == Channel.ONLINE else Counts(office=n)


@dataclass
class Volume:
    """Requests filed in the period: over time, by service, agency and current status."""

    grain: str
    over_time: list[tuple[dt.date, Counts]] = field(default_factory=list)
    by_service: dict[int, Counts] = field(default_factory=dict)
    by_agency: dict[int, Counts] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    total: Counts = field(default_factory=Counts)


def _timeline(
    found: dict[dt.date, Counts], grain: str, first: dt.date | None, last: dt.date | None
) -> list[tuple[dt.date, Counts]]:
    """Every day or month of the period, with zeros where nothing was filed."""
    if not found and (first is None or last is None):
        return []
    start = first if first is not None else min(found)
    end = last if last is not None else max(max(found), today())
    if grain == DAY:
        steps = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    else:
        steps = months_between(start, end)
    return [(step, found.get(step, Counts())) for step in steps]


def volume(cut: Cut, period: Period) -> Volume:
    """The status cells: by time and channel (the series); by service, agency, channel and
    status (per span of the plan)."""
    series, grain, first, last = _series(cut, period)
    channel = () if cut.by_office else ("channel",)
    result = Volume(grain)
    found: dict[dt.date, Counts] = defaultdict(Counts)
    for row in series.values(grain, *channel).annotate(n=Sum("requests")):
        n = int(row["n"] or 0)
        if n:
            found[row[grain]] += _counts(row.get("channel", Channel.OFFICE), n)
    result.over_time = _timeline(found, grain, first, last)
    by_service: dict[int, Counts] = defaultdict(Counts)
    by_agency: dict[int, Counts] = defaultdict(Counts)
    by_status: dict[str, int] = defaultdict(int)
    for rows, sign in _cells(cut, period, "status"):
        grouped = rows.values("service_id", "agency_id", *channel, "status").annotate(
            n=Sum("requests")
        )
        for row in grouped:
            n = sign * int(row["n"] or 0)
            if not n:
                continue
            counts = _counts(row.get("channel", Channel.OFFICE), n)
            by_service[row["service_id"]] += counts
            by_agency[row["agency_id"]] += counts
            by_status[row["status"]] += n
            result.total += counts
    result.by_service = {pk: counts for pk, counts in by_service.items() if counts.total}
    result.by_agency = {pk: counts for pk, counts in by_agency.items() if counts.total}
    result.by_status = {status: n for status, n in by_status.items() if n}
    return result


def volume_by_province(cut: Cut, period: Period) -> dict[int, Counts]:
    result: dict[int, Counts] = defaultdict(Counts)
    # Without a service filter, the cells without the service will do (a 38th of them or less).
    place = "province" if cut.service_id is not None else "province_total"
    for rows, sign in _cells(cut, period, "status", place):
        for row in rows.values("province_id", "channel").annotate(n=Sum("requests")):
            if row["n"]:
                result[row["province_id"]] += _counts(row["channel"], sign * int(row["n"]))
    return {pk: counts for pk, counts in result.items() if counts.total}


def volume_by_office(cut: Cut, period: Period) -> dict[int, int]:
    """Counter requests filed in the period's months, per office (office cells)."""
    result: dict[int, int] = defaultdict(int)
    for rows, sign in _cells(cut, period, "status", "office"):
        for row in rows.values("office_id").annotate(n=Sum("requests")):
            result[row["office_id"]] += sign * int(row["n"] or 0)
    return {pk: n for pk, n in result.items() if n}


# --- decisions and turnaround --------------------------------------------------------------------


@dataclass
class Decisions:
    """First decisions made in the period: turnaround histograms and late decisions."""

    total: Histogram = field(default_factory=Histogram)
    by_service: dict[int, Histogram] = field(default_factory=dict)
    by_channel: dict[str, Histogram] = field(default_factory=dict)


def decisions(cut: Cut, period: Period) -> Decisions:
    channel = () if cut.by_office else ("channel",)
    result = Decisions()
    by_service: dict[int, Histogram] = defaultdict(Histogram)
    by_channel: dict[str, Histogram] = defaultdict(Histogram)
    for rows, sign in _cells(cut, period, "decision"):
        for row in rows.values("service_id", *channel).annotate(**_histogram_sums()):
            histogram = _histogram(row, sign=sign)
            if not histogram.count:
                continue
            by_service[row["service_id"]] += histogram
            by_channel[row.get("channel", Channel.OFFICE)] += histogram
            result.total += histogram
    result.by_service = {pk: h for pk, h in by_service.items() if h.count}
    result.by_channel = {channel: h for channel, h in by_channel.items() if h.count}
    return result


def _decisions_by(cut: Cut, period: Period, column: str) -> dict[int, Histogram]:
    result: dict[int, Histogram] = defaultdict(Histogram)
    place = "office"
    if column == "province_id":
        place = "province" if cut.service_id is not None else "province_total"
    for rows, sign in _cells(cut, period, "decision", place):
        for row in rows.values(column).annotate(**_histogram_sums()):
            if row["count"]:
                result[row[column]] += _histogram(row, sign=sign)
    return {pk: histogram for pk, histogram in result.items() if histogram.count}


def decisions_by_province(cut: Cut, period: Period) -> dict[int, Histogram]:
    return _decisions_by(cut, period, "province_id")


def decisions_by_office(cut: Cut, period: Period) -> dict[int, Histogram]:
    return _decisions_by(cut, period, "office_id")


# --- where time goes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    state: str
    time: Histogram

    @property
    def total_hours(self) -> float:
        return self.time.total_seconds / 3600


def steps(cut: Cut, period: Period) -> list[Step]:
    """Time spent in each state before leaving it, in the months of the period; the state where
    most time went first (then the longest on average)."""
    time: dict[str, Histogram] = defaultdict(Histogram)
    for rows, sign in _cells(cut, period, "step"):
        for row in rows.values("state").annotate(**_histogram_sums(breached=False)):
            if row["count"]:
                time[row["state"]] += _histogram(row, breached=False, sign=sign)
    found = [Step(state, histogram) for state, histogram in time.items() if histogram.count]
    return sorted(
        found,
        key=lambda s: (-s.time.total_seconds, -(s.time.average_hours or 0), s.state),
    )


# --- satisfaction and complaints -----------------------------------------------------------------


def _ratings(cut: Cut) -> QuerySet[Rating]:
    rows = Rating.objects.all()
    if cut.province_id is not None:
        rows = rows.filter(province_id=cut.province_id)
    if cut.agency_ids is not None:
        rows = rows.filter(agency_id__in=cut.agency_ids)
    if cut.service_id is not None:
        rows = rows.filter(service_id=cut.service_id)
    if cut.office_ids is not None:
        rows = rows.filter(office_id__in=cut.office_ids)
    if cut.channel == Channel.ONLINE:
        rows = rows.filter(office__isnull=True)
    elif cut.channel == Channel.OFFICE:
        rows = rows.filter(office__isnull=False)
    return rows


def satisfaction(
    cut: Cut, first: dt.date | None, last: dt.date | None, by: Dimension
) -> dict[int, Satisfaction]:
    """Ratings given in the days ``first``..``last``, per service, office or province."""
    return satisfaction_by(
        by,
        since=Period.start_of(first),
        until=Period.end_of(last),
        ratings=_ratings(cut),
    )


@dataclass
class ComplaintCounts:
    """Complaints filed in the period about one office or the offices of one province."""

    by_kind: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    @property
    def overcharge(self) -> int:
        return self.by_kind.get(ComplaintKind.OVERCHARGE, 0)


def complaints(
    cut: Cut, first: dt.date | None, last: dt.date | None, by: str
) -> dict[int, ComplaintCounts]:
    """Complaints (overcharge reports among them) filed in the days ``first``..``last``, per
    ``by`` ("office" or "province"): one grouped read. Complaints are about counter offices,
    so an "online" filter leaves none."""
    if cut.channel == Channel.ONLINE:
        return {}
    # Every status named, so PostgreSQL can walk the (status, province, created_at) index.
    rows = Complaint.objects.filter(status__in=ComplaintStatus.values)
    if first is not None:
        rows = rows.filter(created_at__gte=Period.start_of(first))
    if last is not None:
        rows = rows.filter(created_at__lt=Period.end_of(last))
    if cut.province_id is not None:
        rows = rows.filter(province_id=cut.province_id)
    if cut.office_ids is not None:
        rows = rows.filter(office_id__in=cut.office_ids)
    if cut.agency_ids is not None:
        rows = rows.filter(request__agency_id__in=cut.agency_ids)
    if cut.service_id is not None:
        rows = rows.filter(request__service_id=cut.service_id)
    column = f"{by}_id"
    result: dict[int, ComplaintCounts] = defaultdict(ComplaintCounts)
    grouped = rows.order_by().values(column, "kind", "status").annotate(n=Count("id"))
    for row in grouped:
        counts = result[row[column]]
        counts.by_kind[row["kind"]] = counts.by_kind.get(row["kind"], 0) + row["n"]
        counts.by_status[row["status"]] = counts.by_status.get(row["status"], 0) + row["n"]
    return dict(result)


# --- offices against capacity and population -----------------------------------------------------


@dataclass(frozen=True)
class NetworkRow:
    """A county's (or a province's) active offices against its capacity and population."""

    area_id: int
    name: str
    code: str  # the county's or province's SCI code (its address)
    population: int
    active: int
    capacity: int | None
    ranks: dict[int | None, int]  # rank (None: not ranked yet) → active offices

    @property
    def per_100k(self) -> float | None:
        return self.active * 100_000 / self.population if self.population else None

    @property
    def capacity_used(self) -> float | None:
        return 100 * self.active / self.capacity if self.capacity else None


def _ranks(offices: Iterable[dict[str, Any]], area: str) -> dict[int, dict[int | None, int]]:
    ranks: dict[int, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    for office in offices:
        if office["status"] == OfficeStatus.ACTIVE:
            ranks[office[area]][office["rank"]] += 1
    return {key: dict(value) for key, value in ranks.items()}


def county_network(province: Province, offices: list[dict[str, Any]]) -> list[NetworkRow]:
    """Each county of the province: the licensing app's capacity table (population shared by
    cities, capacity in force, active offices), with the offices by rank."""
    ranks = _ranks(offices, "county_id")
    return [
        NetworkRow(
            row.county.pk,
            row.county.name,
            row.county.sci_code,
            row.population,
            row.active,
            row.capacity,
            ranks.get(row.county.pk, {}),
        )
        for row in capacity_table(province)
    ]


def province_network(provinces: Sequence[Province]) -> list[NetworkRow]:
    """Each province: 2016 population, active offices (by rank) and the sum of its counties'
    capacities in force (None when no county has one)."""
    offices = (
        Office.objects.filter(status=OfficeStatus.ACTIVE)
        .order_by()
        .values("province_id", "rank")
        .annotate(n=Count("id"))
    )
    ranks: dict[int, dict[int | None, int]] = defaultdict(dict)
    for row in offices:
        ranks[row["province_id"]][row["rank"]] = row["n"]
    capacities: dict[int, tuple[int, int]] = {}
    seen: set[int] = set()
    for county_id, province_id, capacity in (
        CountyCapacity.objects.filter(effective_from__lte=today())
        .order_by("county_id", "-effective_from")
        .values_list("county_id", "county__province_id", "capacity")
    ):
        if county_id in seen:
            continue
        seen.add(county_id)
        previous = capacities.get(province_id, (0, 0))
        capacities[province_id] = (previous[0] + capacity, previous[1] + 1)
    return [
        NetworkRow(
            province.pk,
            province.name,
            province.sci_code,
            province.population_2016,
            sum(ranks.get(province.pk, {}).values()),
            capacities[province.pk][0] if province.pk in capacities else None,
            ranks.get(province.pk, {}),
        )
        for province in provinces
    ]


def offices_of(**where: Any) -> list[dict[str, Any]]:
    """The offices of a province or county: what the tables name and link (one read)."""
    rows = (
        Office.objects.filter(**where)
        .order_by("county_id", "licence_number")
        .values("pk", "licence_number", "name", "county_id", "status", "rank")
    )
    return [dict(row) for row in rows]


# --- labels --------------------------------------------------------------------------------------


def state_labels(workflow_keys: Iterable[str], language: str) -> dict[str, str]:
    """Each state's label in the newest version of the services' workflows (one read), in the
    order requests go through them."""
    keys = sorted(set(workflow_keys))
    newest = (
        WorkflowDefinition.objects.filter(key__in=keys)
        .order_by()
        .values("key")
        .annotate(newest=Max("id"))
        .values("newest")
    )
    labels: dict[str, str] = {}
    definitions = WorkflowDefinition.objects.filter(pk__in=newest).order_by("pk")
    # The default workflow's labels win where workflows share a state's name.
    for workflow in sorted(definitions, key=lambda w: (w.key != "default", w.key)):
        parsed = workflow.parsed
        # In the order a request meets them: the initial state, then each transition's target
        # (the stored JSON's key order is not kept by PostgreSQL's jsonb).
        flow = [parsed.initial, *(t.target for t in parsed.transitions), *sorted(parsed.states)]
        for state in flow:
            if state in parsed.states:
                labels.setdefault(state, parsed.state_label(state, language))
    return labels


# What a row of a request list shows: not the form data, fees or citizen, fifty times over.
# An office's own list (views.office_requests) needs no office's name; the province's does.
ROW_FIELDS = (
    "tracking_code",
    "status",
    "submitted_at",
    "decided_at",
    "workflow_id",
    "channel",
    "service__name_fa",
    "service__name_en",
)
LIST_FIELDS = (*ROW_FIELDS, "office__name")


def requests_of_province(
    user: Any,
    province: Province,
    period: Period,
    *,
    service_id: int | None = None,
    channel: str = "",
    status: str = "",
    office_id: int | None = None,
) -> QuerySet[ServiceRequest]:
    """The province's requests ``user`` may see (``visible_to``), filed at its offices and
    online in ``period`` (its days exactly, Tehran time), newest first: the supervisor's list
    (decision 67). The order is the index cases_request_province_filed's (cases 0005), so a
    page is read from the index's end however many requests the province has."""
    rows = ServiceRequest.objects.visible_to(user).filter(province=province)
    if period.first is not None:
        rows = rows.filter(submitted_at__gte=Period.start_of(period.first))
    if period.last is not None:
        rows = rows.filter(submitted_at__lt=Period.end_of(period.last))
    if service_id is not None:
        rows = rows.filter(service_id=service_id)
    if channel:
        rows = rows.filter(channel=channel)
    if status:
        rows = rows.filter(status=status)
    if office_id is not None:
        rows = rows.filter(office_id=office_id)
    return (
        rows.select_related("service", "office").only(*LIST_FIELDS).order_by("-submitted_at", "-pk")
    )
