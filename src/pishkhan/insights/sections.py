"""The dashboards' sections: each figure of docs/insights.md as a table (and its chart), in the
page's language. Shared by every level of ``dashboards``; the exports write the same cells.

Each count is named by a key (``tables.Key``) that says what it counts, the same in every table
of a page; each table names the groups of its counts that add up to a total published
elsewhere (``tables.Group``), for the exports' secondary suppression (``suppression``):

* requests filed, per channel: the days (or months), the services of each agency, the services,
  the agencies, the provinces — each adds up to the page's requests at offices (or online), a
  cell of the "online and at offices" table on the pages that have it (the agency's cell of the
  table by agency, for its services); the statuses add up to both channels together;
* decisions and late decisions: per channel, per bucket of time, per service (and per service of
  each agency), per area — each adds up to the page's, published on the page above;
* ratings, per service (of each agency) and per area; times a status was left, per status (the
  shares of all time give their total);
* complaints: per area, the kinds and the statuses add up to the same total; per kind and per
  status, the areas add up to the page's.

A county's or an office's figures are by whole months, the province's other tables by days:
their groups do not mix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from pishkhan.catalog.models import Agency, Channel, Service
from pishkhan.core.text import to_persian_digits
from pishkhan.feedback.models import ComplaintKind, ComplaintStatus
from pishkhan.feedback.selectors import Satisfaction

from . import selectors
from .periods import DAY
from .scope import DashboardScope
from .selectors import ComplaintCounts, Counts, Decisions, Histogram, NetworkRow, Volume
from .tables import (
    DASH,
    Cell,
    Group,
    Key,
    Table,
    bar_chart,
    bucket,
    bucket_label,
    count,
    day_label,
    decimal,
    fraction,
    month_label,
    of,
    period_cell,
    plain,
    plain_share,
    share,
    text,
)

TOP = 10  # bars in a chart of services or agencies; the table has them all
OFFICE, ONLINE = str(Channel.OFFICE), str(Channel.ONLINE)


# --- what each count is (its key) ----------------------------------------------------------------


def filed_key(channel: str, *where: Any) -> Key:
    """Requests filed at offices or online: the page's (``filed_key("office")``, a cell of the
    "online and at offices" table), or a row's (``filed_key("office", "service", 12)``)."""
    return ("filed", channel, *where)


def decided_key(*where: Any) -> Key:
    return ("decided", *where)


def late_key(*where: Any) -> Key:
    return ("late", *where)


def rated_key(*where: Any) -> Key:
    return ("rated", *where)


def by_agency(pks: Iterable[int], names: Names) -> dict[int | None, list[int]]:
    """Services by their agency, whose figures are published too (its row of the table by
    agency, its own pages)."""
    found: dict[int | None, list[int]] = {}
    for pk in pks:
        service = names.services.get(pk)
        found.setdefault(service.agency_id if service else None, []).append(pk)
    return found


def service_groups(
    figure: Key, pks: list[int], names: Names, total: tuple[Key, ...] = ()
) -> list[Group]:
    """Groups of the services' counts of ``figure`` (("filed", "office"), ("decided",)...): the
    services of each agency, adding up to the agency's (its cell where the page has one), then
    all of them, adding up to ``total``."""
    groups = [
        Group(
            tuple((*figure, "service", pk) for pk in services),
            ((*figure, "agency", agency),),
        )
        for agency, services in by_agency(pks, names).items()
    ]
    groups.append(Group(tuple((*figure, "service", pk) for pk in pks), total))
    return groups


class Names:
    """Names of services, agencies and states in the page's language (three reads)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.services = {
            s.pk: s
            for s in Service.objects.order_by().only(
                "pk", "name_fa", "name_en", "agency_id", "workflow_key"
            )
        }
        self.agencies = {
            a.pk: a for a in Agency.objects.order_by().only("pk", "name_fa", "name_en")
        }
        self.states = selectors.state_labels(
            {s.workflow_key for s in self.services.values()} | {"default"}, language
        )

    def _name(self, item: Any) -> str:
        if item is None:
            return DASH
        if self.language == "en" and item.name_en:
            return str(item.name_en)
        return to_persian_digits(item.name_fa)

    def service(self, pk: int) -> str:
        return self._name(self.services.get(pk))

    def agency(self, pk: int) -> str:
        return self._name(self.agencies.get(pk))

    def state(self, state: str) -> str:
        return self.states.get(state, state)

    def channel(self, channel: str) -> str:
        return str(Channel(channel).label) if channel in Channel.values else channel

    def services_in(self, scope: DashboardScope) -> list[tuple[int, str]]:
        """The services the scope's filter offers, by name."""
        chosen = [
            (pk, self.service(pk))
            for pk, service in self.services.items()
            if scope.agency_ids is None or service.agency_id in scope.agency_ids
        ]
        return sorted(chosen, key=lambda pair: pair[1])


def sum_satisfaction(values: Iterable[Satisfaction]) -> Satisfaction:
    values = list(values)
    return Satisfaction(sum(v.count for v in values), sum(v.total for v in values))


def sum_complaints(values: Iterable[ComplaintCounts]) -> ComplaintCounts:
    total = ComplaintCounts()
    for found in values:
        for kind, n in found.by_kind.items():
            total.by_kind[kind] = total.by_kind.get(kind, 0) + n
        for status, n in found.by_status.items():
            total.by_status[status] = total.by_status.get(status, 0) + n
    return total


def office_name(name: str, language: str) -> str:
    return to_persian_digits(name) if language == "fa" else name


def _rating_cells(found: Satisfaction | None, language: str, *where: Any) -> list[Cell]:
    found = found or Satisfaction(0, 0)
    key = rated_key(*where)
    return [
        count(found.count, language, key=key),
        fraction(
            found.average if found.count else None,
            language,
            found.count,
            places=2,
            basis=of(key),
        ),
    ]


def _time_cells(histogram: Histogram | None, language: str, *where: Any) -> list[Cell]:
    """Decisions, median, 90th percentile and breach rate; the late decisions (``late``) are
    behind the rate: ``_behind_late`` registers them."""
    h = histogram or Histogram()
    key = decided_key(*where)
    return [
        count(h.count, language, key=key),
        bucket(h.median, language, h.count, key),
        bucket(h.p90, language, h.count, key),
        share(h.breach_rate, language, h.breached, h.count, basis=of(late_key(*where), key)),
    ]


def _behind_late(table: Table, histogram: Histogram | None, *where: Any) -> None:
    table.behind[late_key(*where)] = histogram.breached if histogram else 0


def _time_columns() -> list[str]:
    return [_("Decisions"), _("Median turnaround"), _("90th percentile"), _("SLA breach rate")]


# --- the tables ----------------------------------------------------------------------------------


def over_time_table(volume: Volume, language: str, *, counter_only: bool = False) -> Table:
    grain = volume.grain
    if counter_only:
        columns = [_("Month"), _("Counter requests")]
    else:
        columns = [
            _("Day") if grain == DAY else _("Month"),
            _("At offices"),
            _("Online"),
            _("Total"),
        ]
    table = Table(
        "over-time",
        _("Requests filed over time"),
        columns,
        empty=_("No requests were filed in this period."),
    )
    for day, counts in volume.over_time:
        office, online = filed_key(OFFICE, "time", day), filed_key(ONLINE, "time", day)
        row = [period_cell(day, grain, language)]
        if counter_only:
            row.append(count(counts.office, language, key=office))
        else:
            row += [
                count(counts.office, language, key=office),
                count(counts.online, language, key=online),
                count(
                    counts.total, language, counts.office, counts.online, basis=of(office, online)
                ),
            ]
        table.rows.append(row)
    for channel in [OFFICE] if counter_only else [OFFICE, ONLINE]:
        days = tuple(filed_key(channel, "time", day) for day, _c in volume.over_time)
        table.groups.append(Group(days, (filed_key(channel),)))
    if volume.over_time:
        short = [
            day_label(day, language) if grain == DAY else month_label(day, language)
            for day, _c in volume.over_time
        ]
        table.chart = bar_chart(
            short,
            [(_("At offices"), [c.office for _d, c in volume.over_time])]
            + ([] if counter_only else [(_("Online"), [c.online for _d, c in volume.over_time])]),
            stacked=True,
        )
        table.chart_label = _("Requests filed per day and channel, as in the table below.")
    return table


def _channel_split_row(label: Cell, counts: Counts, language: str, *where: Any) -> list[Cell]:
    office, online = filed_key(OFFICE, *where), filed_key(ONLINE, *where)
    return [
        label,
        count(counts.office, language, key=office),
        count(counts.online, language, key=online),
        count(counts.total, language, counts.office, counts.online, basis=of(office, online)),
        share(
            counts.online_share, language, counts.office, counts.online, basis=of(office, online)
        ),
    ]


def _split_columns(first: list[str]) -> list[str]:
    return [*first, _("At offices"), _("Online"), _("Total"), _("Online share")]


def services_table(volume: Volume, names: Names, *, counter_only: bool = False) -> Table:
    language = names.language
    if counter_only:
        columns = [_("Service"), _("Agency"), _("Counter requests")]
    else:
        columns = _split_columns([_("Service"), _("Agency")])
    table = Table(
        "services",
        _("Requests by service"),
        columns,
        empty=_("No requests were filed in this period."),
    )
    ordered = sorted(volume.by_service.items(), key=lambda kv: (-kv[1].total, names.service(kv[0])))
    for pk, counts in ordered:
        service = names.services.get(pk)
        agency = text(names.agency(service.agency_id)) if service else text(DASH)
        if counter_only:
            table.rows.append(
                [
                    text(names.service(pk)),
                    agency,
                    count(counts.office, language, key=filed_key(OFFICE, "service", pk)),
                ]
            )
        else:
            row = _channel_split_row(text(names.service(pk)), counts, language, "service", pk)
            table.rows.append([row[0], agency, *row[1:]])
    pks = [pk for pk, _c in ordered]
    for channel in [OFFICE] if counter_only else [OFFICE, ONLINE]:
        table.groups += service_groups(("filed", channel), pks, names, (filed_key(channel),))
    if ordered:
        top = ordered[:TOP]
        table.chart = bar_chart(
            [names.service(pk) for pk, _c in top],
            [(_("At offices"), [c.office for _p, c in top])]
            + ([] if counter_only else [(_("Online"), [c.online for _p, c in top])]),
            horizontal=True,
            stacked=True,
        )
        table.chart_label = _("The services with most requests; every service is in the table.")
    return table


def agencies_table(volume: Volume, names: Names) -> Table:
    language = names.language
    table = Table(
        "agencies",
        _("Requests by agency"),
        _split_columns([_("Agency")]),
        empty=_("No requests were filed in this period."),
    )
    ordered = sorted(volume.by_agency.items(), key=lambda kv: (-kv[1].total, names.agency(kv[0])))
    for pk, counts in ordered:
        table.rows.append(
            _channel_split_row(text(names.agency(pk)), counts, language, "agency", pk)
        )
    for channel in (OFFICE, ONLINE):
        agencies = tuple(filed_key(channel, "agency", pk) for pk, _c in ordered)
        table.groups.append(Group(agencies, (filed_key(channel),)))
    if ordered:
        top = ordered[:TOP]
        table.chart = bar_chart(
            [names.agency(pk) for pk, _c in top],
            [
                (_("At offices"), [c.office for _p, c in top]),
                (_("Online"), [c.online for _p, c in top]),
            ],
            horizontal=True,
            stacked=True,
        )
        table.chart_label = _("Requests by agency and channel, as in the table below.")
    return table


def channels_table(volume: Volume, decided: Decisions, names: Names) -> Table:
    language = names.language
    table = Table(
        "channels",
        _("Online and at offices"),
        [_("Channel"), _("Requests filed"), _("Share"), *_time_columns()],
        empty=_("No requests were filed in this period."),
    )
    total = volume.total
    for channel, n in ((OFFICE, total.office), (ONLINE, total.online)):
        if not n and channel not in decided.by_channel:
            continue
        histogram = decided.by_channel.get(channel)
        table.rows.append(
            [
                text(names.channel(channel)),
                count(n, language, key=filed_key(channel)),
                share(
                    100 * n / total.total if total.total else None,
                    language,
                    *_pair(total),
                    basis=of(filed_key(OFFICE), filed_key(ONLINE)),
                ),
                *_time_cells(histogram, language, "channel", channel),
            ]
        )
        _behind_late(table, histogram, "channel", channel)
    # The page's decisions (and late ones) are published above it: a province's on the national
    # page, in its row of the table by province.
    channels = (OFFICE, ONLINE)
    table.groups += [
        Group(tuple(decided_key("channel", c) for c in channels)),
        Group(tuple(late_key("channel", c) for c in channels)),
    ]
    if table.rows:
        table.chart = bar_chart(
            [row[0].text for row in table.rows],
            [(_("Requests filed"), [row[1].value for row in table.rows])],
        )
        table.chart_label = _("Requests filed online and at offices, as in the table below.")
    return table


def _pair(counts: Counts) -> tuple[int, int]:
    return counts.office, counts.online


def status_table(volume: Volume, names: Names) -> Table:
    language = names.language
    table = Table(
        "status",
        _("Where the requests filed in the period are now"),
        [_("Status"), _("Requests"), _("Share")],
        empty=_("No requests were filed in this period."),
    )
    order = list(names.states)
    total = sum(volume.by_status.values())
    ordered = sorted(
        volume.by_status.items(),
        key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0]),
    )
    for state, n in ordered:
        others = total - n
        key = ("filed", "status", state)
        table.rows.append(
            [
                text(names.state(state)),
                count(n, language, key=key),
                share(100 * n / total if total else None, language, n, others, basis=of(key)),
            ]
        )
    # All requests, at offices and online: on the pages without the channels' table (county,
    # office: counter requests only), a row of the page above.
    statuses = tuple(("filed", "status", state) for state, _n in ordered)
    table.groups.append(Group(statuses, (filed_key(OFFICE), filed_key(ONLINE))))
    if ordered:
        table.chart = bar_chart(
            [names.state(state) for state, _n in ordered],
            [(_("Requests"), [n for _s, n in ordered])],
        )
        table.chart_label = _("Requests by their status now, as in the table below.")
    return table


def turnaround_table(decided: Decisions, language: str) -> Table:
    total = decided.total
    table = Table(
        "turnaround",
        _("Time from filing to decision"),
        [_("Decided within"), _("Decisions"), _("Cumulative share")],
        note=_(
            "A decision is a request's first approval, rejection or issue; a median or 90th "
            "percentile is the upper bound of the bucket it falls in."
        ),
        empty=_("No decisions were made in this period."),
    )
    if not total.count:
        return table
    running = 0
    keys = tuple(decided_key("bucket", index) for index in range(len(total.buckets)))
    for index, n in enumerate(total.buckets):
        running += n
        table.rows.append(
            [
                Cell(
                    bucket_label(index, language), bucket_label(index, language, ascii_digits=True)
                ),
                count(n, language, key=keys[index]),
                # With the total, the decisions up to this bucket, or those after it.
                share(
                    100 * running / total.count,
                    language,
                    running,
                    total.count - running,
                    basis=(keys[: index + 1], keys[index + 1 :]),
                ),
            ]
        )
    table.groups.append(Group(keys))
    table.chart = bar_chart(
        [bucket_label(index, language) for index in range(len(total.buckets))],
        [(_("Decisions"), list(total.buckets))],
    )
    table.chart_label = _("Decisions by the time they took, as in the table below.")
    return table


def service_turnaround_table(decided: Decisions, names: Names) -> Table:
    language = names.language
    table = Table(
        "service-turnaround",
        _("Turnaround and SLA by service"),
        [_("Service"), *_time_columns(), _("Late decisions")],
        empty=_("No decisions were made in this period."),
    )
    ordered = sorted(
        decided.by_service.items(), key=lambda kv: (-kv[1].count, names.service(kv[0]))
    )
    for pk, histogram in ordered:
        table.rows.append(
            [
                text(names.service(pk)),
                *_time_cells(histogram, language, "service", pk),
                count(histogram.breached, language, key=late_key("service", pk)),
            ]
        )
    pks = [pk for pk, _h in ordered]
    table.groups += service_groups(("decided",), pks, names) + service_groups(("late",), pks, names)
    if ordered:
        total = decided.total
        table.footer = [
            text(_("All services")),
            *_time_cells(total, language, "all"),
            count(total.breached, language),
        ]
    return table


def steps_table(found: list[selectors.Step], names: Names) -> Table:
    language = names.language
    table = Table(
        "steps",
        _("Where time goes"),
        [
            _("Status"),
            _("Times left"),
            _("Share of all time"),
            _("Average (hours)"),
            _("Median"),
            _("90th percentile"),
        ],
        note=_(
            "Time from entering a status to leaving it, counted in the Jalali month it was left; "
            "the status where most time went comes first. A request still in a status is not "
            "counted for it yet. Counter and online requests together."
        ),
        empty=_("No request left a status in this period."),
    )
    everything = sum(step.time.total_seconds for step in found)
    for step in found:
        time = step.time
        key = ("left", step.state)
        table.rows.append(
            [
                text(names.state(step.state)),
                count(time.count, language, key=key),
                share(
                    100 * time.total_seconds / everything if everything else None,
                    language,
                    time.count,
                    basis=of(key),
                ),
                fraction(time.average_hours, language, time.count, basis=of(key)),
                bucket(time.median, language, time.count, key),
                bucket(time.p90, language, time.count, key),
            ]
        )
    # The shares of all time give the time of all statuses: with the others' (average times
    # count), the time of a status whose count is suppressed.
    table.groups.append(Group(tuple(("left", step.state) for step in found)))
    if found:
        table.chart = bar_chart(
            [names.state(step.state) for step in found],
            [(_("Hours in all"), [round(step.total_hours, 1) for step in found])],
            horizontal=True,
            unit="h",
        )
        table.chart_label = _("Hours spent in each status, most first, as in the table below.")
    return table


@dataclass(frozen=True)
class Area:
    """A row of the areas table: a province, a county or an office."""

    pk: int
    name: str
    href: str = ""


def areas_table(
    key: str,
    title: str,
    heading: str,
    areas: list[Area],
    filed: dict[int, Counts],
    decided: dict[int, Histogram],
    rated: dict[int, Satisfaction],
    language: str,
    *,
    counter_only: bool,
    note: str = "",
) -> Table:
    columns = [heading, _("Counter requests") if counter_only else _("Requests filed")]
    if not counter_only:
        columns.append(_("Online share"))
    columns += [*_time_columns(), _("Ratings"), _("Average rating")]
    table = Table(key, title, columns, note=note, empty=_("Nothing to show."))
    for area in areas:
        counts = filed.get(area.pk, Counts())
        office, online = filed_key(OFFICE, key, area.pk), filed_key(ONLINE, key, area.pk)
        row = [text(area.name, area.href)]
        if counter_only:
            row.append(count(counts.office, language, key=office))
        else:
            # Requests at offices and online are behind the total and the online share.
            table.behind[office], table.behind[online] = counts.office, counts.online
            row += [
                count(counts.total, language, *_pair(counts), basis=of(office, online)),
                share(counts.online_share, language, *_pair(counts), basis=of(office, online)),
            ]
        row += _time_cells(decided.get(area.pk), language, key, area.pk)
        _behind_late(table, decided.get(area.pk), key, area.pk)
        row += _rating_cells(rated.get(area.pk), language, key, area.pk)
        table.rows.append(row)
    # The page's requests at offices and online are cells of its channels' table; its counter
    # requests by month (counties, offices), decisions and ratings, rows of the page above.
    for channel in [OFFICE] if counter_only else [OFFICE, ONLINE]:
        table.groups.append(
            Group(
                tuple(filed_key(channel, key, area.pk) for area in areas),
                () if counter_only else (filed_key(channel),),
            )
        )
    for figure in (decided_key, late_key, rated_key):
        table.groups.append(Group(tuple(figure(key, area.pk) for area in areas)))
    busy = sorted(
        ((area, filed.get(area.pk, Counts()).total) for area in areas), key=lambda p: -p[1]
    )
    busy = [(area, n) for area, n in busy if n][: max(TOP, 15)]
    if busy:
        table.chart = bar_chart(
            [area.name for area, _n in busy],
            [(columns[1], [n for _a, n in busy])],
            horizontal=True,
        )
        table.chart_label = _("Requests filed in each area, most first, as in the table below.")
    return table


def satisfaction_table(rated: dict[int, Satisfaction], names: Names) -> Table:
    language = names.language
    table = Table(
        "satisfaction",
        _("Satisfaction by service"),
        [_("Service"), _("Ratings"), _("Average rating")],
        note=_("Citizens rate a delivered request from 1 (poor) to 5 (excellent)."),
        empty=_("No ratings were given in this period."),
    )
    ordered = sorted(rated.items(), key=lambda kv: (-kv[1].count, names.service(kv[0])))
    for pk, found in ordered:
        table.rows.append([text(names.service(pk)), *_rating_cells(found, language, "service", pk)])
    table.groups += service_groups(("rated",), [pk for pk, _f in ordered], names)
    if ordered:
        table.footer = [
            text(_("All services")),
            *_rating_cells(sum_satisfaction(rated.values()), language, "all"),
        ]
    return table


def complaints_table(
    heading: str, areas: list[Area], found: dict[int, ComplaintCounts], language: str
) -> Table:
    kinds = [ComplaintKind.OVERCHARGE, ComplaintKind.MISCONDUCT, ComplaintKind.OTHER]
    statuses = [ComplaintStatus.UPHELD, ComplaintStatus.DISMISSED, ComplaintStatus.OPEN]
    table = Table(
        "complaints",
        _("Complaints and overcharge reports"),
        [
            heading,
            _("Complaints"),
            *[str(kind.label) for kind in kinds],
            *[str(status.label) for status in statuses],
        ],
        note=_("Complaints filed in the period about counter offices, and where they stand."),
        empty=_("No complaints were filed in this period."),
    )
    shown = [area for area in areas if area.pk in found]
    for area in shown:
        counts = found[area.pk]
        by_kind = tuple(("complaints", str(k), area.pk) for k in kinds)
        by_status = tuple(("complaints", str(s), area.pk) for s in statuses)
        table.rows.append(
            [
                text(area.name, area.href),
                count(
                    counts.total,
                    language,
                    *counts.by_kind.values(),
                    basis=(by_kind, by_status),  # by kind, or by where they stand
                ),
                *[
                    count(counts.by_kind.get(k, 0), language, key=key)
                    for k, key in zip(kinds, by_kind, strict=True)
                ],
                *[
                    count(counts.by_status.get(s, 0), language, key=key)
                    for s, key in zip(statuses, by_status, strict=True)
                ],
            ]
        )
        # An area's complaints by kind and by where they stand add up to the same total.
        table.groups.append(Group(by_kind + by_status))
    # Each kind's and each status's complaints of all the areas: the page's (its key figures,
    # the page above's row).
    for column in [*kinds, *statuses]:
        table.groups.append(Group(tuple(("complaints", str(column), area.pk) for area in shown)))
    return table


def network_table(heading: str, rows: list[NetworkRow], language: str, note: str) -> Table:
    table = Table(
        "offices-capacity",
        _("Offices against capacity and population"),
        [
            heading,
            _("Population"),
            _("Active offices"),
            _("Offices per 100,000 people"),
            _("Capacity"),
            _("Capacity used"),
            _("Rank 1"),
            _("Rank 2"),
            _("Rank 3"),
            _("Not ranked yet"),
        ],
        note=note,
        empty=_("Nothing to show."),
    )
    for row in rows:
        table.rows.append(
            [
                text(row.name),
                plain(row.population, language),
                plain(row.active, language),
                Cell(
                    DASH if row.per_100k is None else decimal(row.per_100k, language, 2),
                    None if row.per_100k is None else round(row.per_100k, 2),
                    numeric=True,
                ),
                plain(row.capacity, language),
                plain_share(row.capacity_used, language),
                *[plain(row.ranks.get(rank, 0), language) for rank in (1, 2, 3, None)],
            ]
        )
    return table
