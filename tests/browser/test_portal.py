"""A citizen signs in with the code from the outbox, files online in three screens, answers
"more information needed", and sees the decision."""

import re

from playwright.sync_api import expect

from pishkhan.core.demo import demo_national_code
from pishkhan.core.text import to_persian_digits

from .conftest import assert_accessible, sign_in

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_citizen_files_online_answers_and_sees_the_decision(
    page, browser, live_server_process, tmp_path
):
    server_url = live_server_process.url
    document = tmp_path / "birth-certificate.pdf"
    document.write_bytes(PDF)
    national_code, mobile = demo_national_code(3), "09171000003"

    # The service page tells the two ways and leads to the portal.
    page.goto(server_url + "/services/nocr-single-status-certificate/")
    expect(page.locator('.fee-card[data-channel="online"]')).to_be_visible()
    expect(page.locator('.fee-card[data-channel="office"]')).to_be_visible()
    page.get_by_role("link", name="ثبت برخط درخواست").click()

    # Sign in: national code + mobile, then the code from the SMS.
    expect(page.get_by_role("heading", level=1)).to_have_text("ورود به پیشخوان من")
    page.get_by_label("کد ملی").fill(to_persian_digits(national_code))
    page.get_by_label("شماره تلفن همراه").fill(mobile)
    assert_accessible(page)
    page.get_by_role("button", name="ارسال کد").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("وارد کردن کد")
    sms = live_server_process.latest_sms(mobile)
    code = re.search(r"(\d{6})", sms).group(1)
    page.get_by_label(re.compile("کد ۶ رقمی")).fill(to_persian_digits(code))
    assert_accessible(page)
    page.get_by_role("button", name="ورود", exact=True).click()

    # Screen 2 of 3 (screen 1 was the service page's button): the form.
    expect(page.get_by_role("heading", level=1)).to_have_text("صدور گواهی تجرد")
    expect(page.locator(".fee-lines tr[data-line='office_fee']")).to_have_count(0)
    for select in page.locator("select").all():
        select.select_option(index=1)
    for box in page.locator("input[type=text]:not([name=idempotency_key])").all():
        if not box.input_value():
            box.fill("نمونه")
    for upload in page.locator("input[type=file]").all():
        upload.set_input_files(str(document))
    assert_accessible(page)
    page.get_by_role("button", name="ثبت درخواست من").click()

    # Screen 3 of 3: the request, with its tracking code.
    expect(page.locator(".alert-success")).to_contain_text("درخواست شما ثبت شد")
    expect(page.locator(".request-status")).to_have_text("ثبت‌شده")
    tracking = page.locator(".request-summary .tracking-code").inner_text()
    assert_accessible(page)
    ascii_tracking = tracking.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))

    # The citizen lives in Fars, so the request goes to Fars' civil-registration officer.
    officer = browser.new_context(locale="fa-IR").new_page()
    sign_in(officer, server_url, "officer-nocr-fars")
    officer.goto(f"{server_url}/agency/requests/{ascii_tracking}/")
    officer.get_by_role("button", name="شروع بررسی").click()
    officer.get_by_label(re.compile("پیام یا علت")).fill(
        "تصویر شناسنامه خوانا نیست؛ دوباره بفرستید."
    )
    officer.get_by_role("button", name="درخواست اطلاعات بیشتر").click()
    expect(officer.locator(".request-status")).to_have_text("نیاز به اطلاعات بیشتر")

    # The citizen answers: sees the message, uploads again, sends it back.
    page.reload()
    expect(page.locator(".agency-message")).to_contain_text("خوانا نیست")
    page.locator(".answer-form input[type=file]").first.set_input_files(str(document))
    assert_accessible(page)
    page.get_by_role("button", name="ارسال دوباره با تغییرات من").click()
    expect(page.locator(".request-status")).to_have_text("تکمیل‌شده و ارسال دوباره")

    officer.reload()
    officer.get_by_role("button", name="شروع بررسی").click()
    officer.get_by_role("button", name="تایید", exact=True).click()
    expect(officer.locator(".request-status")).to_have_text("تاییدشده")
    officer.context.close()

    # The decision, on the citizen's profile and by SMS.
    page.goto(server_url + "/portal/")
    expect(
        page.locator(".my-requests tr", has_text=tracking).locator(".request-status")
    ).to_have_text("تاییدشده")
    assert ascii_tracking in live_server_process.latest_sms(mobile)
    assert_accessible(page)


def test_citizen_sees_which_office_checked_their_identity(page, browser, live_server_process):
    server_url = live_server_process.url
    # A citizen no other browser test signs in (each national code may ask a few codes only).
    national_code, mobile = demo_national_code(202), "09131000202"

    # An operator of office 1001 identifies the citizen at the counter.
    operator = browser.new_context(locale="fa-IR").new_page()
    sign_in(operator, server_url, "operator-1001")
    operator.goto(server_url + "/office/new/")
    operator.get_by_label("کد ملی").fill(national_code)
    operator.get_by_label("شماره تلفن همراه").fill(mobile)
    operator.get_by_role("button", name="بررسی و ادامه").click()
    expect(operator.get_by_role("heading", level=1)).not_to_have_text("احراز هویت شهروند")
    operator.context.close()

    # The citizen signs in and opens "who has seen my data" from the profile.
    page.goto(server_url + "/portal/login/")
    page.get_by_label("کد ملی").fill(national_code)
    page.get_by_label("شماره تلفن همراه").fill(mobile)
    page.get_by_role("button", name="ارسال کد").click()
    code = re.search(r"(\d{6})", live_server_process.latest_sms(mobile)).group(1)
    page.get_by_label(re.compile("کد ۶ رقمی")).fill(code)
    page.get_by_role("button", name="ورود", exact=True).click()
    page.get_by_role("link", name="چه کسانی اطلاعات مرا دیده‌اند").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("چه کسانی اطلاعات مرا دیده‌اند")
    row = page.locator(".data-access tbody tr").first
    expect(row).to_contain_text("اپراتور دفتر")
    expect(row).to_contain_text("دفتر پیشخوان دولت ۱۰۰۱")
    expect(row).to_contain_text("هویت شما را از ثبت احوال استعلام کرد")
    assert_accessible(page)
