"""Settlement: what each office collected and owes each agency, for a period — on screen, as
CSV and as an Excel workbook. The regulator sees every office, an agency administrator the
agency's, an office manager the office's own."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from pishkhan.accounts.access import roles_required

from ..forms import SettlementForm
from ..settlement import SETTLEMENT_ROLES, Settlement, period_of, settle

EXPORTS = ("csv", "xlsx")


def _collector_name(office: Any) -> str:
    return office.name if office is not None else _("Online (the platform)")


def _collector_code(office: Any) -> str:
    return office.licence_number if office is not None else "online"


def _text(value: str) -> str:
    # A name read as a formula by a spreadsheet ("=...", "+...") is kept as text.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


def _table(result: Settlement) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Collector's licence number"),
        _("Collected by"),
        _("Agency code"),
        _("Agency"),
        _("Government fee (owed to the agency)"),
        _("Office fee (the office's)"),
        _("VAT (owed to the tax office)"),
        _("Total collected"),
    ]
    rows = [
        [
            _text(_collector_code(row.collector)),
            _text(_collector_name(row.collector)),
            _text(row.agency.code),
            _text(row.agency.name_fa),
            row.sums.government,
            row.sums.office_fee,
            row.sums.vat,
            row.sums.total,
        ]
        for row in result.rows
    ]
    rows.append(
        [
            "",
            _("Total"),
            "",
            "",
            result.total.government,
            result.total.office_fee,
            result.total.vat,
            result.total.total,
        ]
    )
    return header, rows


def _csv(result: Settlement) -> HttpResponse:
    header, rows = _table(result)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a byte-order mark, so spreadsheet programs read the Persian as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="settlement-{result.period.kind}-{result.period.slug}.csv"'
    )
    return response


def _xlsx(result: Settlement) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook()
    by_office = workbook.active
    by_office.title = _("By office")[:31]
    by_office.sheet_view.rightToLeft = True
    header, rows = _table(result)
    by_office.append(header)
    for row in rows:
        by_office.append(row)
    by_agency = workbook.create_sheet(_("By agency")[:31])
    by_agency.sheet_view.rightToLeft = True
    by_agency.append(
        [
            _("Agency code"),
            _("Agency"),
            _("Collected at offices"),
            _("Collected online"),
            _("Total owed to the agency"),
        ]
    )
    for agency_row in result.agencies:
        by_agency.append(
            [
                _text(agency_row.agency.code),
                _text(agency_row.agency.name_fa),
                agency_row.at_offices,
                agency_row.online,
                agency_row.total,
            ]
        )
    for sheet in (by_office, by_agency):
        for column in sheet.iter_cols(min_row=2):
            for cell in column:
                if isinstance(cell.value, int):
                    cell.number_format = "#,##0"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="settlement-{result.period.kind}-{result.period.slug}.xlsx"'
    )
    return response


@roles_required(*SETTLEMENT_ROLES)
def settlement(request: HttpRequest) -> HttpResponse:
    form = SettlementForm(data=request.GET)
    if not form.is_valid():
        return render(request, "payments/settlement.html", {"form": form}, status=400)
    kind, day = form.chosen()
    result = settle(request.user, period_of(kind, day))
    export = request.GET.get("export", "")
    if export == "csv":
        return _csv(result)
    if export == "xlsx":
        return _xlsx(result)
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "payments/settlement.html",
        {"form": form, "result": result, "query": query.urlencode()},
    )


urlpatterns: list[URLPattern] = [path("settlement/", settlement, name="settlement")]
