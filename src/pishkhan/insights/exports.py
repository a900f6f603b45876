"""A dashboard table as CSV or as an Excel workbook: the page's cells, with small counts
suppressed.

Counts of requests, decisions, ratings and complaints from 1 to 4 are written as the string
"<5"; a few more counts as "x", so that none of those can be worked back by subtraction from a
total published elsewhere on the page (``suppression``); and every figure computed from a count
left out (a total, a share, a rate, a median, an average) as "*". Rows of totals are left out.
A note line at the end of the file says so.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from .suppression import hidden_counts
from .tables import SUPPRESS_BELOW, Key, Table

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def suppression_note() -> str:
    return _(
        "Counts of requests, decisions, ratings and complaints from 1 to %(limit)s are shown as "
        '"<%(below)s". So that none of them can be worked out by subtraction from a total '
        "published elsewhere (in this table, in another table of this page or on the page "
        'above), a few other counts are left out too, shown as "x". Every figure computed from '
        'a count left out (a total, a share, a rate, an average) is shown as "*"; rows of '
        "totals are left out."
    ) % {"limit": SUPPRESS_BELOW - 1, "below": SUPPRESS_BELOW}


def _safe(value: Any) -> Any:
    """Text a spreadsheet would read as a formula ("=...", "+...") is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return f"'{value}"
    return value


def cells(table: Table, hidden: frozenset[Key] | None = None) -> list[list[Any]]:
    """The rows an export writes: each cell's value, or "<5" (a small count), "x" (a count left
    out with it) or "*" (a figure computed from either) where it is suppressed. ``hidden``: the
    counts the page's exports leave out (``suppression.hidden_counts`` of all its tables); by
    default those of this table alone."""
    if hidden is None:
        hidden = hidden_counts([table])
    return [[_safe(cell.exported(hidden)) for cell in row] for row in table.rows]


def _notes(table: Table, about: str) -> list[str]:
    notes = [about]
    if table.note:
        notes.append(table.note)
    notes.append(suppression_note())
    return notes


def as_csv(
    table: Table, about: str, filename: str, hidden: frozenset[Key] | None = None
) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a byte-order mark, so spreadsheet programs read the Persian as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    writer.writerows([["" if v is None else v for v in row] for row in cells(table, hidden)])
    writer.writerow([])
    for note in _notes(table, about):
        writer.writerow([note])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _sheet_title(title: str) -> str:
    """A sheet's name: Excel takes at most 31 characters; a longer title ends at the last whole
    word that fits, with an ellipsis, not in the middle of one."""
    clean = re.sub(r"[\[\]:*?/\\]", " ", title).strip()
    if len(clean) > 31:
        cut = clean[:30].rsplit(" ", 1)[0] if " " in clean[:30] else clean[:30]
        clean = cut.rstrip() + "…"
    return clean or "Sheet"


def as_xlsx(
    table: Table,
    about: str,
    filename: str,
    *,
    rtl: bool,
    hidden: frozenset[Key] | None = None,
) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(table.title)
    sheet.sheet_view.rightToLeft = rtl
    sheet.append(table.columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in cells(table, hidden):
        sheet.append(row)
    sheet.append([])
    for note in _notes(table, about):
        sheet.append([note])
    for column in sheet.iter_cols(min_row=2, max_row=len(table.rows) + 1):
        for cell in column:
            if isinstance(cell.value, int):
                cell.number_format = "#,##0"
            elif isinstance(cell.value, float):
                cell.number_format = "#,##0.0"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
