"""A citizen signed in by SMS code reports an overcharge from a request page; the regulator finds
it in the complaints queue and upholds it. Delivery sends a rating link that works without
signing in, once."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from pishkhan.core.demo import demo_national_code
from pishkhan.core.text import to_persian_digits

from .conftest import ARTIFACTS, assert_accessible, sign_in

# The feedback demo's request waiting for delivery: office 23-1001, citizen seed 11 (no other
# browser test signs this citizen in, so the sign-in code limits are not shared).
SEED, MOBILE = 11, "09121000011"


def _query_one(live, sql: str, params: tuple) -> tuple | None:
    if live.database_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(live.database_url.removeprefix("sqlite:///")) as conn:
            return conn.execute(sql.replace("%s", "?"), params).fetchone()
    import psycopg

    with psycopg.connect(live.database_url) as conn:
        return conn.execute(sql, params).fetchone()


def _tracking_code(live) -> str:
    row = _query_one(
        live,
        "SELECT tracking_code FROM cases_servicerequest WHERE idempotency_key = %s",
        ("demo-feedback-approved",),
    )
    assert row, "the feedback demo's request is missing"
    return row[0]


def _citizen_sign_in(page, live, next_path: str) -> None:
    page.goto(live.url + next_path)
    # Signed out, the complaint page sends the citizen to the portal's sign-in and back.
    expect(page.get_by_role("heading", level=1)).to_have_text("ورود به پیشخوان من")
    page.get_by_label("کد ملی").fill(to_persian_digits(demo_national_code(SEED)))
    page.get_by_label("شماره تلفن همراه").fill(MOBILE)
    page.get_by_role("button", name="ارسال کد").click()
    code = re.search(r"(\d{6})", live.latest_sms(MOBILE)).group(1)
    page.get_by_label(re.compile("کد ۶ رقمی")).fill(to_persian_digits(code))
    page.get_by_role("button", name="ورود", exact=True).click()


def test_citizen_reports_an_overcharge_and_the_regulator_upholds_it(
    page, browser, live_server_process
):
    live = live_server_process
    tracking = _tracking_code(live)
    _citizen_sign_in(page, live, f"/portal/requests/{tracking}/")

    # From the request page to the complaint form.
    expect(page.locator(".request-summary .tracking-code")).to_have_text(
        to_persian_digits(tracking)
    )
    page.get_by_role("link", name="شکایت از دفتر").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("شکایت از دفتر پیشخوان")
    expect(page.locator(".fee-total")).to_be_visible()
    # A mistake first: an amount that is not a number.
    page.get_by_label("موضوع شکایت چیست؟").select_option("overcharge")
    page.get_by_label(re.compile("کل مبلغی که دفتر")).fill("خیلی زیاد")
    # One very long "word" too, as people paste: it must wrap, not widen the pages.
    page.get_by_label("چه اتفاقی افتاد").fill("دفتر بیش از مبلغ رسید از من گرفت. " + "ی" * 400)
    page.get_by_role("button", name="ثبت شکایت").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("عدد صحیح")
    assert_accessible(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "feedback-complaint-form.png"), full_page=True)
    page.get_by_label(re.compile("کل مبلغی که دفتر")).fill("۲٬۵۰۰٬۰۰۰")
    page.get_by_role("button", name="ثبت شکایت").click()
    expect(page.locator(".alert-success")).to_contain_text("شکایت شما ثبت شد")
    expect(page.locator(".your-complaints")).to_contain_text("اضافه‌دریافت")
    expect(page.locator(".your-complaints .complaint-status")).to_have_text("در انتظار بررسی")
    assert_accessible(page)

    # The regulator's queue, from the menu.
    regulator = browser.new_context(locale="fa-IR").new_page()
    sign_in(regulator, live.url, "regulator")
    regulator.get_by_role("link", name="شکایت‌ها", exact=True).click()
    expect(regulator.get_by_role("heading", level=1)).to_have_text("شکایت از دفاتر")
    row = regulator.locator(".complaint-queue tbody tr", has_text=to_persian_digits(tracking))
    expect(row).to_have_count(1)
    expect(row.locator(".complaint-kind")).to_have_text("اضافه‌دریافت")
    assert_accessible(regulator)
    row.get_by_role("link").click()
    expect(regulator.locator(".complaint-text")).to_contain_text("بیش از مبلغ رسید")
    assert regulator.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    ), "the long word widened the page"
    expect(regulator.locator(".claimed")).to_contain_text("۲٬۵۰۰٬۰۰۰ ریال")
    assert_accessible(regulator)
    # Dismissing needs a reason; upholding does not.
    regulator.get_by_role("button", name="رد شکایت").click()
    expect(regulator.locator(".invalid-feedback")).to_contain_text("علت رد شکایت")
    regulator.get_by_label(re.compile("علت")).fill("رسید بانکی شاکی مبلغ اضافه را نشان می‌دهد.")
    # The amount to give back is offered: what was taken above the official total.
    repay = regulator.get_by_label(re.compile("باید به شهروند بازگردانده شود"))
    expect(repay).not_to_have_value("")
    repay.fill("۱٬۰۰۰٬۰۰۰")
    regulator.get_by_role("button", name="شکایت وارد است").click()
    expect(regulator.locator(".alert-success")).to_contain_text("تصمیم ثبت شد")
    expect(regulator.locator(".complaint-status")).to_have_text("وارد دانسته شد")
    expect(regulator.locator(".resolution-form")).to_have_count(0)
    expect(regulator.locator(".repayment")).to_contain_text("۱٬۰۰۰٬۰۰۰ ریال")
    ARTIFACTS.mkdir(exist_ok=True)
    regulator.screenshot(path=str(ARTIFACTS / "feedback-regulator-complaint.png"), full_page=True)
    complaint_url = regulator.url
    regulator.context.close()

    # The citizen is told by SMS and sees the decision and what the office must give back.
    assert "۱٬۰۰۰٬۰۰۰ ریال را به شما بازگرداند" in live.latest_sms(MOBILE)
    page.reload()
    expect(page.locator(".your-complaints .complaint-status")).to_have_text("وارد دانسته شد")
    expect(page.locator(".your-complaints .repayment")).to_contain_text("باید ۱٬۰۰۰٬۰۰۰ ریال")

    # The office's manager finds the order in the menu, gives the money back and records it.
    manager = browser.new_context(locale="fa-IR").new_page()
    sign_in(manager, live.url, "manager-1001")
    manager.get_by_role("link", name="مبالغ بازگرداندنی").click()
    order = manager.locator(".repayments tbody tr", has_text=to_persian_digits(tracking))
    expect(order).to_contain_text("بازگرداندنی")
    assert_accessible(manager)
    order.get_by_role("link").click()
    assert manager.url == complaint_url
    expect(manager.locator(".complaint-text")).to_have_count(
        0
    )  # the complaint stays the regulator's
    manager.get_by_role("button", name=re.compile("ثبت بازگرداندن")).click()
    expect(manager.locator(".alert-success")).to_contain_text("ثبت شد")
    expect(manager.locator(".repayment")).to_contain_text("بازگردانده شد")
    manager.context.close()
    assert "بازگردانده است" in live.latest_sms(MOBILE)
    page.reload()
    expect(page.locator(".your-complaints .repayment")).to_contain_text("ثبت کرده است")


def test_delivery_sends_a_rating_link_that_works_once(page, browser, live_server_process):
    live = live_server_process
    tracking = _tracking_code(live)
    office = browser.new_context(locale="fa-IR").new_page()
    sign_in(office, live.url, "operator-1001")
    office.goto(f"{live.url}/office/requests/{tracking}/")
    # Not before the fees are paid: the operator is told so, and records the payment first.
    office.get_by_role("button", name="تحویل", exact=True).click()
    expect(office.locator(".alert-danger")).to_contain_text("هنوز پرداخت نشده")
    expect(office.locator(".request-status")).to_have_text("تاییدشده")
    office.get_by_role("link", name="ثبت پرداخت").click()
    office.get_by_label("روش پرداخت").select_option("cash")
    office.get_by_role("button", name="ثبت پرداخت").click()
    expect(office.locator(".invoice-status")).to_have_attribute("data-status", "paid")
    office.get_by_role("button", name="تحویل", exact=True).click()
    expect(office.locator(".request-status")).to_have_text("تحویل‌شده")
    office.context.close()

    row = _query_one(
        live,
        "SELECT body FROM notify_outboxmessage WHERE recipient = %s AND event = %s"
        " ORDER BY id DESC LIMIT 1",
        (MOBILE, "rating_link"),
    )
    assert row, "no rating link was sent"
    link = re.search(r"(/feedback/rate/\S+/)", row[0]).group(1)

    # No sign-in: the signed link is enough.
    page.goto(live.url + link)
    expect(page.get_by_role("heading", level=1)).to_have_text("امتیاز به خدمت")
    page.get_by_role("button", name="ثبت امتیاز من").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("امتیازی از ۱ تا ۵")
    page.get_by_label(re.compile("^۵")).check()
    page.get_by_label(re.compile("^نظر")).fill("کار سریع و بی‌دردسر انجام شد.")
    assert_accessible(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "feedback-rating-form.png"), full_page=True)
    page.get_by_role("button", name="ثبت امتیاز من").click()
    expect(page.locator(".alert-success")).to_contain_text("امتیاز شما ثبت شد")
    expect(page.locator(".rated")).to_contain_text("۵ از ۵")
    assert_accessible(page)

    # A tampered link is refused in Persian.
    page.goto(live.url + link[:-3] + ("xx/" if not link.endswith("xx/") else "yy/"))
    expect(page.locator(".rating-error")).to_contain_text("معتبر نیست")
