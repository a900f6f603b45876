"""The dashboards' pages, assembled: the figures of one level (the country or an agency, a
province, a county, an office) for a scope and filters, as key figures and tables.

Views call ``national``, ``province``, ``county`` or ``office``; each reads the rollups through
``selectors`` (a fixed number of grouped reads, whatever the number of requests) and builds
``tables.Table``s (``sections``), which the page, the charts and the exports all share.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pishkhan.core.models import County, Province
from pishkhan.core.replica import has_replica
from pishkhan.feedback.selectors import Satisfaction
from pishkhan.offices.models import Office, OfficeStatus

from . import rollups, selectors
from .periods import DAY, Period
from .scope import AGENCY, NATIONAL, PROVINCIAL, DashboardScope
from .sections import (
    Area,
    Names,
    agencies_table,
    areas_table,
    channels_table,
    complaints_table,
    network_table,
    office_name,
    over_time_table,
    satisfaction_table,
    service_turnaround_table,
    services_table,
    status_table,
    steps_table,
    sum_complaints,
    sum_satisfaction,
    turnaround_table,
)
from .selectors import ComplaintCounts, Counts, Cut, Decisions, Histogram, Volume
from .tables import DASH, Table, bucket_label, decimal, month_label, number, percent

FOLD_LIMIT = 2000


@dataclass(frozen=True)
class Filters:
    period: Period
    service_id: int | None = None
    channel: str = ""


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    detail: str = ""
    key: str = ""


@dataclass
class Dashboard:
    level: str  # "national", "province", "county", "office"
    title: str
    crumbs: list[tuple[str, str]] = field(default_factory=list)
    kpis: list[Kpi] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    requests_href: str = ""
    covered: tuple[dt.date | None, dt.date | None] = (None, None)
    grain: str = DAY

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


def _cut(scope: DashboardScope, filters: Filters, **more: Any) -> Cut:
    return Cut(
        province_id=more.pop("province_id", scope.province_id),
        agency_ids=scope.agency_ids,
        service_id=filters.service_id,
        channel=filters.channel,
        **more,
    )


# --- key figures ---------------------------------------------------------------------------------


def _kpis(
    volume: Volume,
    decided: Decisions,
    rated: Satisfaction,
    complained: ComplaintCounts,
    language: str,
    *,
    counter_only: bool = False,
) -> list[Kpi]:
    total = decided.total
    kpis = [
        Kpi(
            _("Counter requests filed") if counter_only else _("Requests filed"),
            number(volume.total.total, language),
            key="filed",
        )
    ]
    if not counter_only:
        online = volume.total.online_share
        kpis.append(
            Kpi(
                _("Online share"),
                percent(online, language) if online is not None else DASH,
                _("%(n)s online") % {"n": number(volume.total.online, language)},
                key="online-share",
            )
        )
    kpis += [
        Kpi(_("Decisions"), number(total.count, language), key="decisions"),
        Kpi(
            _("Median turnaround"),
            bucket_label(total.median, language) if total.median is not None else DASH,
            key="median",
        ),
        Kpi(
            _("90th percentile"),
            bucket_label(total.p90, language) if total.p90 is not None else DASH,
            key="p90",
        ),
        Kpi(
            _("SLA breach rate"),
            percent(total.breach_rate, language) if total.breach_rate is not None else DASH,
            ngettext("%(n)s late decision", "%(n)s late decisions", total.breached)
            % {"n": number(total.breached, language)},
            key="breach",
        ),
        Kpi(
            _("Average rating"),
            decimal(rated.average, language, 2) if rated.count else DASH,
            ngettext("%(n)s rating, from 1 to 5", "%(n)s ratings, from 1 to 5", rated.count)
            % {"n": number(rated.count, language)},
            key="rating",
        ),
        Kpi(
            _("Complaints"),
            number(complained.total, language),
            ngettext("%(n)s overcharge report", "%(n)s overcharge reports", complained.overcharge)
            % {"n": number(complained.overcharge, language)},
            key="complaints",
        ),
    ]
    return kpis


# --- pages ---------------------------------------------------------------------------------------


Link = Callable[..., str]


def link_for(query: str) -> Link:
    """An address of the dashboards that keeps the page's filters."""

    def link(name: str, *args: Any) -> str:
        url = reverse(f"insights:{name}", args=args)
        return f"{url}?{query}" if query else url

    return link


def crumbs_for(scope: DashboardScope, link: Link) -> list[tuple[str, str]]:
    if scope.kind == NATIONAL:
        return [(_("The whole country"), link("national"))]
    if scope.kind == AGENCY:
        return [(_("The agency nationwide"), link("agency"))]
    return []


def _common_tables(
    volume: Volume, decided: Decisions, names: Names, *, counter_only: bool = False
) -> list[Table]:
    language = names.language
    tables = [over_time_table(volume, language, counter_only=counter_only)]
    if not counter_only:
        tables.append(channels_table(volume, decided, names))
    tables.append(services_table(volume, names, counter_only=counter_only))
    if not counter_only:
        tables.append(agencies_table(volume, names))
    tables += [
        status_table(volume, names),
        turnaround_table(decided, language),
        service_turnaround_table(decided, names),
    ]
    return tables


def _months_text(first: dt.date | None, last: dt.date | None, language: str) -> str:
    if first is None or last is None:
        return _("all months")
    return _("%(first)s to %(last)s") % {
        "first": month_label(first, language),
        "last": month_label(rollups.jalali_month(last), language),
    }


def refresh() -> None:
    """Fold pending changes first, so the figures are current even without a worker. With a
    replica the worker's fold (every 10 s) keeps them current, and the page writes nothing."""
    if not has_replica():
        rollups.fold(limit=FOLD_LIMIT)


def national(scope: DashboardScope, filters: Filters, names: Names, query: str) -> Dashboard:
    """The whole country (regulator, national administrator) or an agency nationwide."""
    refresh()
    language, link, period = names.language, link_for(query), filters.period
    cut = _cut(scope, filters)
    first, last = period.covered_first, period.covered_last
    volume = selectors.volume(cut, period)
    decided = selectors.decisions(cut, period)
    rated = selectors.satisfaction(cut, first, last, "service")
    complained = selectors.complaints(cut, first, last, "province")
    provinces = list(Province.objects.order_by("name_fa"))
    areas = [Area(p.pk, p.name, link("province", p.sci_code)) for p in provinces]
    if scope.kind == AGENCY:
        title = _("%(agency)s: the agency's services nationwide") % {
            "agency": names.agency(scope.agency_id or 0)
        }
    else:
        title = _("The whole country")
    board = Dashboard("national", title, covered=(first, last), grain=period.grain)
    board.kpis = _kpis(
        volume,
        decided,
        sum_satisfaction(rated.values()),
        sum_complaints(complained.values()),
        language,
    )
    tables = _common_tables(volume, decided, names)
    tables.insert(
        1,
        areas_table(
            "provinces",
            _("By province"),
            _("Province"),
            areas,
            selectors.volume_by_province(cut, period),
            selectors.decisions_by_province(cut, period),
            selectors.satisfaction(cut, first, last, "province"),
            language,
            counter_only=False,
        ),
    )
    tables += [
        steps_table(selectors.steps(cut, period), names),
        satisfaction_table(rated, names),
        complaints_table(_("Province"), areas, complained, language),
    ]
    if scope.kind == NATIONAL:
        tables.append(
            network_table(
                _("Province"),
                selectors.province_network(provinces),
                language,
                _(
                    "Population: the 2016 census. Capacity: the sum of the capacities the "
                    "provinces' working groups set for their counties (a dash: none set)."
                ),
            )
        )
    board.tables = tables
    return board


def province(
    scope: DashboardScope, place: Province, filters: Filters, names: Names, query: str
) -> Dashboard:
    """A province: its requests (both channels), and its counties' counter requests."""
    refresh()
    language, link, period = names.language, link_for(query), filters.period
    cut = _cut(scope, filters, province_id=place.pk)
    first, last = period.covered_first, period.covered_last
    months_first, months_last = period.months_first, period.months_last
    volume = selectors.volume(cut, period)
    decided = selectors.decisions(cut, period)
    rated = selectors.satisfaction(cut, first, last, "service")
    complained = selectors.complaints(cut, first, last, "office")
    offices = selectors.offices_of(province=place)
    network = selectors.county_network(place, offices)
    # Counties: the counter requests of their offices (office cells, by month).
    county_of = {o["pk"]: o["county_id"] for o in offices}
    filed: dict[int, Counts] = defaultdict(Counts)
    county_decided: dict[int, Histogram] = defaultdict(Histogram)
    county_rated: dict[int, list[Satisfaction]] = defaultdict(list)
    for office_id, n in selectors.volume_by_office(cut, period).items():
        filed[county_of.get(office_id, 0)] += Counts(office=n)
    for office_id, histogram in selectors.decisions_by_office(cut, period).items():
        county_decided[county_of.get(office_id, 0)] += histogram
    office_rated = selectors.satisfaction(cut, months_first, months_last, "office")
    for office_id, found in office_rated.items():
        county_rated[county_of.get(office_id, 0)].append(found)
    counties = [
        Area(row.area_id, row.name, link("county", place.sci_code, row.code))
        for row in sorted(network, key=lambda row: row.name)
    ]
    board = Dashboard(
        "province",
        _("Province: %(name)s") % {"name": place.name},
        crumbs=[*crumbs_for(scope, link), (place.name, "")],
        covered=(first, last),
        grain=period.grain,
        # The province's requests one by one: its supervisor's list (decision 67).
        requests_href=link("province_requests") if scope.kind == PROVINCIAL else "",
    )
    board.kpis = _kpis(
        volume,
        decided,
        sum_satisfaction(rated.values()),
        sum_complaints(complained.values()),
        language,
    )
    tables = _common_tables(volume, decided, names)
    tables.insert(
        1,
        areas_table(
            "counties",
            _("By county"),
            _("County"),
            counties,
            dict(filed),
            dict(county_decided),
            {pk: sum_satisfaction(found) for pk, found in county_rated.items()},
            language,
            counter_only=True,
            note=_(
                "Counter requests by their office's county, in whole Jalali months "
                "(%(months)s). Online requests have no county: the %(online)s online requests "
                "of this period are counted in the province's figures only."
            )
            % {
                "months": _months_text(months_first, months_last, language),
                "online": number(volume.total.online, language),
            },
        ),
    )
    # The complaints table names only the offices complained about (a province has hundreds).
    office_areas = [
        Area(
            o["pk"],
            office_name(o["name"], language),
            link("office", place.sci_code, o["licence_number"]),
        )
        for o in offices
        if o["pk"] in complained
    ]
    tables += [
        steps_table(selectors.steps(cut, period), names),
        satisfaction_table(rated, names),
        complaints_table(_("Office"), office_areas, complained, language),
    ]
    if scope.kind != AGENCY:
        tables.append(
            network_table(
                _("County"),
                network,
                language,
                _(
                    "Population: the province's 2016 census population shared among its "
                    "counties by their number of cities (an estimate). Capacity: as the "
                    "province's working group set it (a dash: not set)."
                ),
            )
        )
    board.tables = tables
    return board


def county(
    scope: DashboardScope,
    place: Province,
    area: County,
    filters: Filters,
    names: Names,
    query: str,
) -> Dashboard:
    """The counter requests of a county's offices, by month (office cells)."""
    refresh()
    language, link, period = names.language, link_for(query), filters.period
    offices = selectors.offices_of(county=area)
    cut = _cut(scope, filters, province_id=place.pk, office_ids=tuple(o["pk"] for o in offices))
    first, last = period.months_first, period.months_last
    volume = selectors.volume(cut, period)
    decided = selectors.decisions(cut, period)
    rated = selectors.satisfaction(cut, first, last, "service")
    complained = selectors.complaints(cut, first, last, "office")
    board = Dashboard(
        "county",
        _("County: %(name)s") % {"name": area.name},
        crumbs=[
            *crumbs_for(scope, link),
            (place.name, link("province", place.sci_code)),
            (area.name, ""),
        ],
        covered=(first, last),
        grain="month",
    )
    board.notes.append(
        _(
            "Counter requests of the county's offices, in whole Jalali months (%(months)s). "
            "Online requests have no county and are not counted here."
        )
        % {"months": _months_text(first, last, language)}
    )
    board.kpis = _kpis(
        volume,
        decided,
        sum_satisfaction(rated.values()),
        sum_complaints(complained.values()),
        language,
        counter_only=True,
    )
    office_areas = [
        Area(
            o["pk"],
            office_name(o["name"], language),
            link("office", place.sci_code, o["licence_number"]),
        )
        for o in offices
    ]
    tables = _common_tables(volume, decided, names, counter_only=True)
    tables.insert(
        1,
        areas_table(
            "offices",
            _("By office"),
            _("Office"),
            office_areas,
            {pk: Counts(office=n) for pk, n in selectors.volume_by_office(cut, period).items()},
            selectors.decisions_by_office(cut, period),
            selectors.satisfaction(cut, first, last, "office"),
            language,
            counter_only=True,
        ),
    )
    tables += [
        satisfaction_table(rated, names),
        complaints_table(_("Office"), office_areas, complained, language),
    ]
    if scope.kind != AGENCY:
        rows = [row for row in selectors.county_network(place, offices) if row.area_id == area.pk]
        tables.append(
            network_table(
                _("County"),
                rows,
                language,
                _(
                    "Population: the province's 2016 census population shared among its "
                    "counties by their number of cities (an estimate)."
                ),
            )
        )
    board.tables = tables
    return board


def office(
    scope: DashboardScope,
    place: Province,
    item: Office,
    filters: Filters,
    names: Names,
    query: str,
) -> Dashboard:
    """One office's counter requests, by month (office cells)."""
    refresh()
    language, link, period = names.language, link_for(query), filters.period
    cut = _cut(scope, filters, province_id=place.pk, office_ids=(item.pk,))
    first, last = period.months_first, period.months_last
    volume = selectors.volume(cut, period)
    decided = selectors.decisions(cut, period)
    rated = selectors.satisfaction(cut, first, last, "service")
    complained = selectors.complaints(cut, first, last, "office")
    name = office_name(item.name, language)
    board = Dashboard(
        "office",
        _("Office: %(name)s") % {"name": name},
        crumbs=[
            *crumbs_for(scope, link),
            (place.name, link("province", place.sci_code)),
            (item.county.name, link("county", place.sci_code, item.county.sci_code)),
            (name, ""),
        ],
        requests_href=link("office_requests", place.sci_code, item.licence_number),
        covered=(first, last),
        grain="month",
    )
    board.notes.append(
        _("The office's counter requests, in whole Jalali months (%(months)s).")
        % {"months": _months_text(first, last, language)}
    )
    if item.status != OfficeStatus.ACTIVE:
        board.notes.append(_("This office is %(status)s.") % {"status": item.get_status_display()})
    board.kpis = _kpis(
        volume,
        decided,
        sum_satisfaction(rated.values()),
        sum_complaints(complained.values()),
        language,
        counter_only=True,
    )
    tables = _common_tables(volume, decided, names, counter_only=True)
    tables += [
        satisfaction_table(rated, names),
        complaints_table(_("Office"), [Area(item.pk, name)], complained, language),
    ]
    board.tables = tables
    return board
