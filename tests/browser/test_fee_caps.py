"""The regulator sets an office-fee cap from a later day on its own page, and sees it listed
(decision 66)."""

import datetime as dt
import re

from playwright.sync_api import expect

from pishkhan.core.jalali import format_jalali_date, format_jalali_numeric
from pishkhan.core.text import to_persian_digits

from .conftest import ARTIFACTS, assert_accessible, sign_in

# A service no other browser test prices; the cap starts in a month, so today's prices stay.
SERVICE = "abfa-bill-correction"


def test_the_regulator_sets_a_cap_and_sees_it_listed(page, server_url):
    sign_in(page, server_url, "regulator")
    page.goto(server_url + "/regulator/")
    page.get_by_role("link", name="سقف کارمزد دفاتر").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("سقف کارمزد دفاتر")
    assert page.locator("html").get_attribute("dir") == "rtl"
    row = page.locator(f'tr[data-service="{SERVICE}"]')
    expect(row.locator(".cap-amount")).to_have_text("۱۵۰٬۰۰۰ ریال")

    row.get_by_role("link", name=re.compile("^سقف جدید")).click()
    expect(page.get_by_label(re.compile("^خدمت"))).to_have_value(SERVICE)
    # A day in the past is refused, in Persian, and nothing is saved.
    yesterday = dt.date.today() - dt.timedelta(days=1)
    page.get_by_label(re.compile(r"^سقف جدید \(ریال\)")).fill("۱۲۰٬۰۰۰")
    page.get_by_label(re.compile("^اجرا از")).fill(format_jalali_numeric(yesterday))
    page.get_by_label(re.compile("^علت")).fill("مصوبه ۴۱۲ کمیسیون")
    page.get_by_role("button", name="ثبت سقف جدید").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("گذشته همان‌طور که بود می‌ماند")
    expect(page.locator(f'tr[data-service="{SERVICE}"] .cap-scheduled')).to_have_text("—")

    start = dt.date.today() + dt.timedelta(days=30)
    page.get_by_label(re.compile("^اجرا از")).fill(to_persian_digits(format_jalali_numeric(start)))
    page.get_by_role("button", name="ثبت سقف جدید").click()
    expect(page.locator(".alert-success")).to_contain_text("سقف جدید ثبت شد.")
    row = page.locator(f'tr[data-service="{SERVICE}"]')
    expect(row.locator(".cap-amount")).to_have_text("۱۵۰٬۰۰۰ ریال")  # today's, unchanged
    expect(row.locator(".cap-scheduled")).to_contain_text(
        f"۱۲۰٬۰۰۰ ریال از {format_jalali_date(start, 'fa')}"
    )
    expect(row.locator(".cap-scheduled")).to_contain_text("مصوبه ۴۱۲ کمیسیون")
    assert_accessible(page)
    row.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "fee-caps-regulator.png"))
