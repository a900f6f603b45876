"""Exports of a dashboard's tables (CSV and XLSX): the page's figures, with counts from 1 to 4
suppressed as "<5" — and every figure computed from one — and a note saying so."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pishkhan.accounts.models import User
from pishkhan.insights import exports
from pishkhan.insights.tables import Table, count, plain, share, text

from .test_dashboard_figures import _filters, make_small_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_otp(settings, tmp_path):
    settings.PISHKHAN_STAFF_OTP = False
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def small_set(monkeypatch):
    return make_small_set(monkeypatch)


def _export(client, small, table, fmt, username="supervisor-tehran", url=None):
    client.force_login(User.objects.get(username=username))
    params = {**_filters(small), "table": table, "export": fmt}
    return client.get(url or reverse("insights:my_province"), params)


def _csv_rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_small_counts_and_what_is_computed_from_them_are_suppressed_in_csv(client, small_set):
    response = _export(client, small_set, "services", "csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="pishkhan-province-23-services-' in response["Content-Disposition"]
    rows = _csv_rows(response)
    header, service_row = rows[0], rows[1]
    assert header == ["خدمت", "دستگاه", "در دفاتر", "برخط", "جمع", "سهم برخط"]
    # 3 at offices, 2 online: both suppressed, and so are the total (5) and the online share,
    # marked as computed from a small count ("<5" would say something false of the total).
    assert service_row[2:] == ["<5", "<5", "*", "*"]
    assert service_row[0] and service_row[1]  # the service and agency names
    notes = [row[0] for row in rows[2:] if row]
    assert any("«<5»" in note and "«*»" in note for note in notes)
    assert any("۱۴۰۴/۰۳/۱۱" in note or "1404/03/11" in note for note in notes)


def test_zero_stays_zero_and_each_small_day_is_suppressed(client, small_set):
    rows = _csv_rows(_export(client, small_set, "over-time", "csv"))
    days = {row[0]: row[1:] for row in rows[1:41]}
    assert days["1404/03/11"] == ["<5", "<5", "*"]  # A at the office, B online; their total
    assert days["1404/03/13"] == ["<5", "0", "*"]  # E only
    assert days["1404/03/20"] == ["0", "0", "0"]


def test_xlsx_suppresses_the_same_cells(client, small_set):
    response = _export(client, small_set, "status", "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.sheet_view.rightToLeft is True
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["وضعیت", "درخواست‌ها", "سهم"]
    statuses = values[1:6]
    assert all(row[1] == "<5" and row[2] == "*" for row in statuses)
    notes = [row[0] for row in values[7:] if row[0]]
    assert any("«<5»" in note for note in notes)


def test_xlsx_of_the_complaints_names_offices_not_people(client, small_set):
    response = _export(client, small_set, "complaints", "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    text_of_sheet = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    citizen = small_set.request("A").citizen
    assert "پیشخوان" in text_of_sheet
    for personal in (citizen.national_code, citizen.mobile, citizen.last_name):
        assert personal not in text_of_sheet


def test_figures_of_five_or_more_are_written_as_they_are():
    table = Table("t", "T", ["name", "a", "b", "total", "share", "offices"])
    table.rows.append(
        [
            text("=SUM(A1)"),
            count(7, "en"),
            count(5, "en"),
            count(12, "en", 7, 5),
            share(58.33, "en", 7, 5),
            plain(2, "en"),
        ]
    )
    table.rows.append(
        [
            text("x"),
            count(9, "en"),
            count(0, "en"),
            count(9, "en", 9, 0),
            share(0.0, "en", 0, 9),
            plain(1, "en"),
        ]
    )
    table.rows.append(
        [
            text("y"),
            count(6, "en"),
            count(4, "en"),
            count(10, "en", 6, 4),
            share(40.0, "en", 4, 6),
            plain(3, "en"),
        ]
    )
    assert exports.cells(table) == [
        ["'=SUM(A1)", 7, 5, 12, 58.3, 2],  # a formula-like name is kept as text
        ["x", 9, 0, 9, 0.0, 1],
        ["y", 6, "<5", "*", "*", 3],  # offices are no count of people: never suppressed
    ]


def test_an_unknown_table_or_format_is_not_found(client, small_set):
    assert _export(client, small_set, "no-such-table", "csv").status_code == 404
    assert _export(client, small_set, "services", "pdf").status_code == 404


def test_an_export_outside_the_scope_is_not_found(client, small_set):
    url = reverse("insights:province", args=["10"])
    assert _export(client, small_set, "services", "csv", url=url).status_code == 404
    regulator = _export(client, small_set, "services", "csv", "regulator", url=url)
    assert regulator.status_code == 200


def test_a_long_table_title_names_its_sheet_by_whole_words():
    title = "شکایت‌ها و گزارش‌های اضافه‌دریافت به تفکیک دفتر"
    name = exports._sheet_title(title)
    assert len(name) <= 31 and name.endswith("…") and title.startswith(name[:-1])
    assert name[:-1].split()[-1] in title.split()  # no word cut in half
    assert exports._sheet_title("وضعیت: درخواست‌ها") == "وضعیت  درخواست‌ها"
