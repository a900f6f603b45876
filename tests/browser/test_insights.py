"""The dashboards in a browser: a provincial supervisor drills from the province to a county, an
office and its requests, and downloads a table; a supervisor of another province is not let in.
Screenshots go to test-artifacts/ (Persian right to left, joined letters, Persian digits)."""

import csv
import io
import re

from playwright.sync_api import expect

from .conftest import ARTIFACTS, assert_accessible, sign_in

OFFICE = "دفتر پیشخوان دولت ۱۰۰۱ تهران (ونک)"
PERSIAN_DIGITS = re.compile("[۰-۹]")


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_supervisor_drills_down_to_an_office_and_exports_a_table(page, server_url, tmp_path):
    sign_in(page, server_url, "supervisor-tehran")
    page.get_by_role("link", name="داشبوردها").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("استان تهران")
    assert page.locator("html").get_attribute("dir") == "rtl"
    filed = page.locator('[data-kpi="filed"] .kpi-value').inner_text()
    assert PERSIAN_DIGITS.search(filed), filed
    expect(page.locator("#chart-over-time")).to_be_visible()
    # The charts are drawn (a canvas with pixels) from the numbers of the tables under them.
    drawn = page.evaluate(
        "() => Chart.getChart(document.getElementById('chart-over-time')).data.labels.length"
    )
    assert drawn == 30
    expect(page.locator("#counties")).to_contain_text("درخواست برخط شهرستان ندارد")
    assert_accessible(page)
    _shot(page, "insights-province")

    page.locator('table[data-table="counties"]').get_by_role("link", name="تهران").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("شهرستان تهران")
    expect(page.locator(".breadcrumb")).to_contain_text("تهران")
    assert_accessible(page)
    _shot(page, "insights-county")

    page.locator('table[data-table="offices"]').get_by_role("link", name=OFFICE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(OFFICE)
    office_url = page.url
    assert_accessible(page)
    _shot(page, "insights-office")

    page.get_by_role("link", name="درخواست‌های این دفتر در این دوره").click()
    # The office's own page has the same words in its heading: wait for the requests' table.
    expect(page.locator(".insights-requests .tracking-code").first).to_be_visible()
    codes = page.locator(".insights-requests .tracking-code").all_inner_texts()
    assert codes and all(re.fullmatch("[۰-۹]{12}", code) for code in codes), codes
    # Each code opens the request's read-only page for the supervisor (decision 67).
    links = page.locator(".insights-requests a")
    assert links.count() == len(codes)
    assert re.search(r"/province/requests/\d{12}/$", links.first.get_attribute("href"))
    assert_accessible(page)
    _shot(page, "insights-requests")

    page.goto(office_url)
    with page.expect_download() as download_info:
        page.locator('.export-links[data-table="services"] .export-csv').click()
    download = download_info.value
    assert download.suggested_filename.startswith("pishkhan-office-23-1001-services-")
    assert download.suggested_filename.endswith(".csv")
    path = tmp_path / "services.csv"
    download.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["خدمت", "دستگاه", "درخواست‌های دفاتر"]
    data = [row for row in rows[1:] if len(row) == 3]
    # Small counts, and the counts hidden with them so that none can be worked back (decision 52).
    assert data and all(row[2] in ("<5", "x", "0") or int(row[2]) >= 5 for row in data)
    assert any("«<5»" in " ".join(row) and "«x»" in " ".join(row) for row in rows)


def test_supervisor_lists_the_provinces_requests_and_reads_one(page, server_url):
    """From the dashboard to the province's requests (offices' and online), and one of them
    read-only with its history (decision 67)."""
    sign_in(page, server_url, "supervisor-tehran")
    page.goto(server_url + "/province/?preset=all")
    page.get_by_role("link", name="درخواست‌های استان در این دوره").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("درخواست‌های استان تهران")
    assert page.locator("html").get_attribute("dir") == "rtl"
    places = page.locator(".province-requests .filed-at").all_inner_texts()
    assert "برخط" in places and any("دفتر" in place for place in places), places
    codes = page.locator(".province-requests .tracking-code").all_inner_texts()
    assert codes and all(re.fullmatch("[۰-۹]{12}", code) for code in codes), codes
    # Only the online requests.
    page.get_by_label("مسیر ارائه").select_option("online")
    page.get_by_role("button", name="نمایش").click()
    # The answer is a new page under the same heading: wait for it before reading its rows
    # (all_inner_texts does not wait, and read the page being replaced in CI).
    expect(page).to_have_url(re.compile(r"[?&]channel=online(&|$)"))
    page.wait_for_load_state()
    places = page.locator(".province-requests .filed-at").all_inner_texts()
    assert places and set(places) == {"برخط"}, places
    assert_accessible(page)
    _shot(page, "province-requests")

    row = page.locator(".province-requests tbody tr").first
    code = row.locator(".tracking-code").inner_text()
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(code)
    expect(page.locator(".read-only-note")).to_be_visible()
    history = page.locator("ol.timeline li")
    expect(history.first).to_be_visible()
    assert PERSIAN_DIGITS.search(history.first.inner_text())
    assert page.locator("main form").count() == 0  # nothing to act with
    assert page.locator(".attachments a").count() == 0  # documents named, not opened
    assert_accessible(page)
    _shot(page, "province-request")


def test_a_supervisor_of_another_province_gets_not_found(browser, server_url):
    context = browser.new_context(locale="fa-IR")
    page = context.new_page()
    sign_in(page, server_url, "supervisor-isfahan")
    response = page.goto(server_url + "/province/23/offices/23-1001/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("صفحه پیدا نشد")
    response = page.goto(server_url + "/province/")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("استان اصفهان")
    _shot(page, "insights-isfahan")
    context.close()
