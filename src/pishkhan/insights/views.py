"""The dashboards: the country (regulator, national administrator), an agency nationwide (its
administrator), a province (its supervisor; the others pick one), a county, an office and the
office's requests. ``scope.dashboard_scope`` decides who sees what; out of scope is not found.

Each page is a handful of grouped reads of the rollups (``dashboards``); ``?table=<key>&
export=csv|xlsx`` downloads one of its tables. docs/insights.md, "Dashboards".
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.selectors import with_workflows
from pishkhan.core.i18n import active_language
from pishkhan.core.jalali import format_jalali_date, format_jalali_numeric
from pishkhan.core.models import Province
from pishkhan.core.text import digits_for_language
from pishkhan.offices.models import Office

from . import dashboards, exports, selectors
from .dashboards import Dashboard, Filters
from .forms import DashboardFilter, ProvinceRequestFilter
from .periods import DAY, Period
from .scope import AGENCY, NATIONAL, PROVINCIAL, DashboardScope, dashboard_view
from .sections import Names, office_name
from .suppression import hidden_counts

REQUESTS_PER_PAGE = 50
KEPT = ("preset", "start", "end", "service", "channel")
# The province's list keeps its own filters too, from page to page.
KEPT_IN_LIST = (*KEPT, "status", "office")


def _filters(
    request: HttpRequest, scope: DashboardScope, names: Names
) -> tuple[DashboardFilter, Filters, str]:
    form = DashboardFilter(data=request.GET or None, services=names.services_in(scope))
    if form.is_bound:
        form.is_valid()
        period = form.period()
        chosen = Filters(period, form.chosen_service(), form.chosen_channel())
    else:
        chosen = Filters(form.period())
    query = request.GET.copy()
    for key in list(query.keys()):
        if key not in KEPT or not query.get(key):
            query.pop(key)
    return form, chosen, query.urlencode()


def _kept(request: HttpRequest, keys: tuple[str, ...]) -> str:
    """The page's filters among ``keys``, for the links that keep them."""
    query = request.GET.copy()
    for key in list(query.keys()):
        if key not in keys or not query.get(key):
            query.pop(key)
    return query.urlencode()


def _period_text(first: dt.date | None, last: dt.date | None, grain: str) -> str:
    if first is None or last is None:
        return _("All time, by Jalali month")
    language = active_language()
    dates = {
        "first": format_jalali_date(first, language),
        "last": format_jalali_date(last, language),
    }
    if grain == DAY:
        return _("From %(first)s to %(last)s, by day") % dates
    return _("From %(first)s to %(last)s, by Jalali month") % dates


def _slug(value: object) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", str(value)).strip("-") or "all"


def _respond(
    request: HttpRequest,
    scope: DashboardScope,
    board: Dashboard,
    form: DashboardFilter,
    query: str,
    place: str,
) -> HttpResponse:
    first, last = board.covered
    export = request.GET.get("export", "")
    if export:
        table = board.table(request.GET.get("table", ""))
        if table is None or export not in exports.FORMATS:
            raise Http404
        span = "-".join(
            format_jalali_numeric(day).replace("/", "") if day else "all" for day in (first, last)
        )
        filename = f"pishkhan-{board.level}-{_slug(place)}-{table.key}-{span}"
        about = _("%(table)s — %(page)s — %(period)s") % {
            "table": table.title,
            "page": board.title,
            "period": _("from %(first)s to %(last)s")
            % {
                "first": format_jalali_numeric(first) if first else "—",
                "last": format_jalali_numeric(last) if last else "—",
            },
        }
        # Once for the whole page: a count hidden in one table is hidden in all of them.
        hidden = hidden_counts(board.tables)
        if export == "csv":
            return exports.as_csv(table, about, filename, hidden)
        return exports.as_xlsx(table, about, filename, rtl=active_language() == "fa", hidden=hidden)
    return render(
        request,
        "insights/dashboard.html",
        {
            "board": board,
            "form": form,
            "query": query,
            "scope": scope,
            "first": first,
            "last": last,
            "period_text": _period_text(first, last, board.grain),
        },
    )


@dashboard_view
def national(request: HttpRequest, scope: DashboardScope) -> HttpResponse:
    if scope.kind != NATIONAL:
        raise Http404
    names = Names(active_language())
    form, chosen, query = _filters(request, scope, names)
    board = dashboards.national(scope, chosen, names, query)
    return _respond(request, scope, board, form, query, "ir")


@dashboard_view
def agency(request: HttpRequest, scope: DashboardScope) -> HttpResponse:
    if scope.kind != AGENCY:
        raise Http404
    names = Names(active_language())
    form, chosen, query = _filters(request, scope, names)
    board = dashboards.national(scope, chosen, names, query)
    return _respond(request, scope, board, form, query, f"agency-{scope.agency_id}")


@dashboard_view
def my_province(request: HttpRequest, scope: DashboardScope) -> HttpResponse:
    """A supervisor's own province; the others choose a province on their national page."""
    if scope.kind == NATIONAL:
        return redirect("insights:national")
    if scope.kind == AGENCY:
        return redirect("insights:agency")
    if scope.kind != PROVINCIAL or scope.province_id is None:
        raise Http404
    place = Province.objects.get(pk=scope.province_id)
    return _province(request, scope, place)


@dashboard_view
def province(request: HttpRequest, scope: DashboardScope, sci_code: str) -> HttpResponse:
    return _province(request, scope, scope.province(sci_code))


def _province(request: HttpRequest, scope: DashboardScope, place: Province) -> HttpResponse:
    names = Names(active_language())
    form, chosen, query = _filters(request, scope, names)
    board = dashboards.province(scope, place, chosen, names, query)
    return _respond(request, scope, board, form, query, place.sci_code)


@dashboard_view
def county(
    request: HttpRequest, scope: DashboardScope, sci_code: str, county_code: str
) -> HttpResponse:
    place = scope.province(sci_code)
    area = scope.county(place, county_code)
    names = Names(active_language())
    form, chosen, query = _filters(request, scope, names)
    board = dashboards.county(scope, place, area, chosen, names, query)
    return _respond(request, scope, board, form, query, area.sci_code)


@dashboard_view
def office(
    request: HttpRequest, scope: DashboardScope, sci_code: str, licence_number: str
) -> HttpResponse:
    place = scope.province(sci_code)
    item = scope.office(place, licence_number)
    names = Names(active_language())
    form, chosen, query = _filters(request, scope, names)
    board = dashboards.office(scope, place, item, chosen, names, query)
    return _respond(request, scope, board, form, query, item.licence_number)


@dashboard_view
def office_requests(
    request: HttpRequest, scope: DashboardScope, sci_code: str, licence_number: str
) -> HttpResponse:
    """The office's requests filed in the period's months: the only list of requests the
    dashboards show — tracking code, service, status and dates, within ``visible_to``."""
    place = scope.province(sci_code)
    item = scope.office(place, licence_number)
    names = Names(active_language())
    form, chosen, query = _filters(request, scope, names)
    period = chosen.period
    rows = ServiceRequest.objects.visible_to(request.user).filter(office=item)
    if period.months_first is not None:
        rows = rows.filter(submitted_at__gte=Period.start_of(period.months_first))
    if period.months_last is not None:
        rows = rows.filter(submitted_at__lt=Period.end_of(period.months_last))
    if chosen.service_id is not None:
        rows = rows.filter(service_id=chosen.service_id)
    if chosen.channel:
        rows = rows.filter(channel=chosen.channel)
    rows = rows.select_related("service").only(*selectors.ROW_FIELDS)
    page = Paginator(rows.order_by("-submitted_at", "-pk"), REQUESTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    with_workflows(list(page.object_list))
    link = dashboards.link_for(query)
    return render(
        request,
        "insights/requests.html",
        {
            "office": item,
            "place": place,
            "page": page,
            "form": form,
            "query": query,
            "scope": scope,
            # Agency staff open a request on their own page (cases:agency_request), the
            # province's supervisor on the read-only one (cases:province_request).
            "open_as": {AGENCY: "agency", PROVINCIAL: "province"}.get(scope.kind, ""),
            "crumbs": [
                *dashboards.crumbs_for(scope, link),
                (place.name, link("province", place.sci_code)),
                (item.county.name, link("county", place.sci_code, item.county.sci_code)),
                (
                    office_name(item.name, names.language),
                    link("office", place.sci_code, item.licence_number),
                ),
                (_("Requests"), ""),
            ],
            "first": period.months_first,
            "last": period.months_last,
        },
    )


@dashboard_view
def province_requests(request: HttpRequest, scope: DashboardScope) -> HttpResponse:
    """The supervisor's province's requests, filed at its offices and online, newest first, each
    linking to its read-only page (decision 67). The rows are ``visible_to`` the supervisor;
    anyone else has the dashboards' own request lists, by office, and gets not found here."""
    if scope.kind != PROVINCIAL or scope.province_id is None:
        raise Http404
    place = Province.objects.get(pk=scope.province_id)
    language = active_language()
    names = Names(language)
    offices = {
        number: (pk, name)
        for pk, number, name in Office.objects.filter(province=place)
        .order_by("name", "licence_number")
        .values_list("pk", "licence_number", "name")
    }
    form = ProvinceRequestFilter(
        data=request.GET or None,
        services=names.services_in(scope),
        statuses=list(names.states.items()),
        offices=[
            (number, f"{office_name(name, language)} ({digits_for_language(number, language)})")
            for number, (_pk, name) in offices.items()
        ],
    )
    kept = _kept(request, KEPT_IN_LIST)
    context = {
        "place": place,
        "form": form,
        "query": kept,
        "scope": scope,
        "crumbs": [
            (place.name, dashboards.link_for(_kept(request, KEPT))("my_province")),
            (_("Requests"), ""),
        ],
    }
    if form.is_bound and not form.is_valid():
        # A wrong filter shows what is wrong with it, and no rows: a list that quietly dropped
        # the filter would read as the answer to it. 400: the question was wrong, not the page.
        return render(
            request, "insights/province_requests.html", {**context, "page": None}, status=400
        )
    period = form.period()
    data = form.cleaned_data if form.is_bound else {}
    office = offices.get(data.get("office") or "")
    rows = selectors.requests_of_province(
        request.user,
        place,
        period,
        service_id=form.chosen_service(),
        channel=form.chosen_channel(),
        status=data.get("status") or "",
        office_id=office[0] if office else None,
    )
    page = Paginator(rows, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    with_workflows(list(page.object_list))
    return render(
        request,
        "insights/province_requests.html",
        {**context, "page": page, "first": period.first, "last": period.last},
    )
