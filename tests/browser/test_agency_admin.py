"""An agency administrator manages the agency's own services and fees in the Persian admin."""

import datetime as dt

from playwright.sync_api import expect

from pishkhan.core.demo import DEMO_PASSWORD
from pishkhan.core.jalali import format_jalali_date, format_jalali_numeric
from pishkhan.core.text import to_persian_digits

from .conftest import assert_accessible


def test_agency_admin_schedules_a_fee(page, server_url):
    page.goto(server_url + "/admin/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_label("نام کاربری").fill("agencyadmin-nocr")
    page.get_by_label("گذرواژه").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ورود").click()
    expect(page.get_by_role("heading", name="مدیریت", exact=True)).to_be_visible()

    page.goto(server_url + "/admin/catalog/service/")
    expect(page.get_by_role("link", name="شناسنامه المثنی")).to_be_visible()
    expect(page.get_by_role("link", name="انشعاب آب", exact=True)).to_have_count(0)

    page.goto(server_url + "/admin/catalog/fee/add/")
    page.get_by_label("خدمت").select_option(label="شناسنامه المثنی")
    page.get_by_label("نوع").select_option("government")
    page.get_by_label("مبلغ (ریال)").fill("۳۵۰۰۰۰")  # Persian digits, as a Persian keyboard types
    start = dt.date.today() + dt.timedelta(days=40)
    jalali = to_persian_digits(format_jalali_numeric(start))
    page.get_by_label("اجرا از تاریخ").fill(jalali)  # a Jalali date
    page.get_by_role("button", name="ذخیره", exact=True).click()
    expect(page.locator(".messagelist")).to_be_visible()
    expect(page.locator("#result_list")).to_contain_text("۳۵۰٬۰۰۰ ریال")
    expect(page.locator("#result_list")).to_contain_text(format_jalali_date(start, "fa"))

    # The same form refuses a date in the past, in Persian.
    page.goto(server_url + "/admin/catalog/fee/add/")
    page.get_by_label("خدمت").select_option(label="شناسنامه المثنی")
    page.get_by_label("نوع").select_option("government")
    page.get_by_label("مبلغ (ریال)").fill("1")
    page.get_by_label("اجرا از تاریخ").fill("1400/01/01")
    page.get_by_role("button", name="ذخیره", exact=True).click()
    expect(page.locator(".errornote, .errorlist").first).to_be_visible()
    expect(
        page.get_by_text("تغییر تعرفه فقط از امروز یا تاریخی پس از آن اعمال می‌شود.")
    ).to_be_visible()
    assert_accessible(page)


def test_an_anonymous_visitor_is_sent_to_login(page, server_url):
    page.goto(server_url + "/admin/catalog/fee/")
    expect(page).to_have_url(f"{server_url}/admin/login/?next=/admin/catalog/fee/")
