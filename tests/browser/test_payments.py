"""A citizen pays an online request through the sandbox gateway: the request page → pay → the
gateway's page → pay → back on the request page, paid, with a link to the receipt."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from pishkhan.core.demo import demo_national_code
from pishkhan.core.text import to_persian_digits

from .conftest import ARTIFACTS, assert_accessible

SEED, MOBILE = 1, "09121000001"


def _tracking_code(live, idempotency_key: str) -> str:
    query = "SELECT tracking_code FROM cases_servicerequest WHERE idempotency_key = %s"
    if live.database_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(live.database_url.removeprefix("sqlite:///")) as conn:
            row = conn.execute(query.replace("%s", "?"), (idempotency_key,)).fetchone()
    else:
        import psycopg

        with psycopg.connect(live.database_url) as conn:
            row = conn.execute(query, (idempotency_key,)).fetchone()
    assert row, f"the demo request {idempotency_key} is missing"
    return row[0]


def test_citizen_pays_online_through_the_sandbox_gateway(page, live_server_process):
    live = live_server_process
    tracking = _tracking_code(live, "demo-online-in_review")

    # Sign in at the portal with the code from the SMS.
    page.goto(live.url + "/portal/")
    page.get_by_label("کد ملی").fill(to_persian_digits(demo_national_code(SEED)))
    page.get_by_label("شماره تلفن همراه").fill(MOBILE)
    page.get_by_role("button", name="ارسال کد").click()
    code = re.search(r"(\d{6})", live.latest_sms(MOBILE)).group(1)
    page.get_by_label(re.compile("کد ۶ رقمی")).fill(to_persian_digits(code))
    page.get_by_role("button", name="ورود", exact=True).click()

    # From the portal to the request, which is not paid yet.
    page.locator("table.my-requests tr", has_text=to_persian_digits(tracking)).get_by_role(
        "link"
    ).click()
    expect(page.locator(".request-summary .tracking-code")).to_have_text(
        to_persian_digits(tracking)
    )
    money = page.locator(".request-money")
    expect(money.locator(".invoice-status")).to_have_text("پرداخت‌نشده")
    due = money.locator(".amount-due").inner_text()
    assert "ریال" in due
    assert_accessible(page)
    money.get_by_role("button", name="پرداخت برخط").click()

    # The sandbox gateway's own page: the amount, and pay or cancel.
    expect(page.get_by_role("heading", level=1)).to_have_text("درگاه پرداخت آزمایشی")
    expect(page.locator(".sandbox-amount")).to_have_text(due)
    assert "/sandbox-gateway/" in page.url
    assert_accessible(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "payment-sandbox-gateway.png"), full_page=True)
    page.get_by_role("button", name="پرداخت", exact=True).click()

    # Back on the request page, paid.
    expect(page.locator(".alert-success")).to_contain_text("پرداخت شد")
    assert page.url.endswith(f"/portal/requests/{tracking}/")
    expect(money.locator(".invoice-status")).to_have_text("پرداخت‌شده")
    expect(money.locator('tr[data-payment-status="paid"]')).to_have_count(1)
    expect(money.get_by_role("button", name="پرداخت برخط")).to_have_count(0)
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "payment-paid-request.png"), full_page=True)

    # The request page links to the receipt, and the receipt says it is paid.
    receipt = money.locator("a.payment-receipt")
    expect(receipt).to_have_count(1)
    href = receipt.get_attribute("href")
    assert href == f"/receipts/{tracking}/"
    response = page.request.get(live.url + href)
    if response.status != 404:
        assert response.ok
        receipt.click()
        expect(page.locator("body")).to_contain_text("پرداخت")
        expect(page.locator("body")).to_contain_text(to_persian_digits(tracking))
