"""The dashboards' sections: each figure of docs/insights.md as a table (and its chart), in the
page's language. Shared by every level of ``dashboards``; the exports write the same cells.
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
    Table,
    bar_chart,
    bucket,
    bucket_label,
    count,
    day_label,
    decimal,
    fraction,
    month_label,
    period_cell,
    plain,
    plain_share,
    share,
    text,
)

TOP = 10  # bars in a chart of services or agencies; the table has them all


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


def _rating_cells(found: Satisfaction | None, language: str) -> list[Cell]:
    found = found or Satisfaction(0, 0)
    return [
        count(found.count, language),
        fraction(found.average if found.count else None, language, found.count, places=2),
    ]


def _time_cells(histogram: Histogram | None, language: str) -> list[Cell]:
    h = histogram or Histogram()
    return [
        count(h.count, language),
        bucket(h.median, language, h.count),
        bucket(h.p90, language, h.count),
        share(h.breach_rate, language, h.breached, h.count),
    ]


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
        row = [period_cell(day, grain, language)]
        if counter_only:
            row.append(count(counts.office, language))
        else:
            row += [
                count(counts.office, language),
                count(counts.online, language),
                count(counts.total, language, counts.office, counts.online),
            ]
        table.rows.append(row)
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


def _channel_split_row(label: Cell, counts: Counts, language: str) -> list[Cell]:
    return [
        label,
        count(counts.office, language),
        count(counts.online, language),
        count(counts.total, language, counts.office, counts.online),
        share(counts.online_share, language, counts.office, counts.online),
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
            table.rows.append([text(names.service(pk)), agency, count(counts.office, language)])
        else:
            row = _channel_split_row(text(names.service(pk)), counts, language)
            table.rows.append([row[0], agency, *row[1:]])
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
        table.rows.append(_channel_split_row(text(names.agency(pk)), counts, language))
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
    for channel, n in ((Channel.OFFICE, total.office), (Channel.ONLINE, total.online)):
        if not n and channel not in decided.by_channel:
            continue
        table.rows.append(
            [
                text(names.channel(channel)),
                count(n, language),
                share(100 * n / total.total if total.total else None, language, *_pair(total)),
                *_time_cells(decided.by_channel.get(channel), language),
            ]
        )
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
        table.rows.append(
            [
                text(names.state(state)),
                count(n, language),
                share(100 * n / total if total else None, language, n, others),
            ]
        )
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
    for index, n in enumerate(total.buckets):
        running += n
        table.rows.append(
            [
                Cell(
                    bucket_label(index, language), bucket_label(index, language, ascii_digits=True)
                ),
                count(n, language),
                share(100 * running / total.count, language, running, total.count - running),
            ]
        )
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
                *_time_cells(histogram, language),
                count(histogram.breached, language),
            ]
        )
    if ordered:
        total = decided.total
        table.footer = [
            text(_("All services")),
            *_time_cells(total, language),
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
        table.rows.append(
            [
                text(names.state(step.state)),
                count(time.count, language),
                share(
                    100 * time.total_seconds / everything if everything else None,
                    language,
                    time.count,
                ),
                fraction(time.average_hours, language, time.count),
                bucket(time.median, language, time.count),
                bucket(time.p90, language, time.count),
            ]
        )
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
        row = [text(area.name, area.href)]
        if counter_only:
            row.append(count(counts.office, language))
        else:
            row += [
                count(counts.total, language, *_pair(counts)),
                share(counts.online_share, language, *_pair(counts)),
            ]
        row += _time_cells(decided.get(area.pk), language)
        row += _rating_cells(rated.get(area.pk), language)
        table.rows.append(row)
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
        table.rows.append([text(names.service(pk)), *_rating_cells(found, language)])
    if ordered:
        table.footer = [
            text(_("All services")),
            *_rating_cells(sum_satisfaction(rated.values()), language),
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
    for area in areas:
        counts = found.get(area.pk)
        if counts is None:
            continue
        table.rows.append(
            [
                text(area.name, area.href),
                count(counts.total, language, *counts.by_kind.values()),
                *[count(counts.by_kind.get(k, 0), language) for k in kinds],
                *[count(counts.by_status.get(s, 0), language) for s in statuses],
            ]
        )
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
