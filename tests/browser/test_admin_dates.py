"""The national administrator reads the admin's days in Jalali with Persian digits (decision 65)."""

from playwright.sync_api import expect

from .conftest import ARTIFACTS, assert_accessible, sign_in


def test_the_admin_lists_a_day_in_jalali(page, live_server_process):
    live = live_server_process
    # A day the official calendar is told about; 15 October 2026 is 23 Mehr 1405.
    live.fetch_one(
        "INSERT INTO core_calendaroverride (date, is_holiday, title) VALUES (%s, %s, %s) "
        "ON CONFLICT (date) DO UPDATE SET title = excluded.title RETURNING id",
        ("2026-10-15", True, "تعطیلی آزمون تاریخ"),
    )
    sign_in(page, live.url, "admin")
    page.goto(live.url + "/admin/core/calendaroverride/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    row = page.locator("#result_list tbody tr").filter(has_text="تعطیلی آزمون تاریخ")
    expect(row).to_contain_text("۲۳ مهر ۱۴۰۵")
    expect(row).not_to_contain_text("2026")
    expect(row).not_to_contain_text("اکتبر")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-dates-calendar-override.png"))


def test_the_admins_pages_pass_the_accessibility_check(page, live_server_process):
    """Django's breadcrumbs told their links from the text around them by colour alone
    (axe's link-in-text-block); admin.css underlines them."""
    sign_in(page, live_server_process.url, "admin")
    for path in ("", "core/calendaroverride/", "core/calendaroverride/add/"):
        page.goto(f"{live_server_process.url}/admin/{path}")
        assert_accessible(page)
