"""Academic-record verification end to end: the student asks from the portal, an Assessment Center
officer checks and issues, a university reads the QR code off the printed certificate and sees it
valid, the officer revokes it, and the same address then says revoked."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from pishkhan.core.demo import demo_national_code
from pishkhan.core.text import to_ascii_digits, to_persian_digits

from .conftest import ARTIFACTS, assert_accessible, sign_in


def _read_qr(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    return [
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    ]


def _forget_codes(live_server_process, national_code: str) -> None:
    """Other journeys sign the same demo citizen in; the one-code-a-minute and five-an-hour
    limits are theirs, not this journey's, so its earlier codes are cleared in the server's
    database first."""
    query = "DELETE FROM accounts_onetimecode WHERE national_code = %s"
    url = live_server_process.database_url
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(query.replace("%s", "?"), (national_code,))
        return
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(query, (national_code,))


def _citizen_signs_in(page, live_server_process, national_code: str, mobile: str) -> None:
    _forget_codes(live_server_process, national_code)
    page.goto(live_server_process.url + "/portal/login/")
    page.get_by_label("کد ملی").fill(to_persian_digits(national_code))
    page.get_by_label("شماره تلفن همراه").fill(mobile)
    page.get_by_role("button", name="ارسال کد").click()
    code = re.search(r"(\d{6})", live_server_process.latest_sms(mobile)).group(1)
    page.get_by_label(re.compile("کد ۶ رقمی")).fill(to_persian_digits(code))
    page.get_by_role("button", name="ورود", exact=True).click()


def test_student_requests_officer_issues_university_verifies_then_revocation_shows(
    page, browser, live_server_process
):
    server_url = live_server_process.url
    try:
        _journey(page, browser, live_server_process, server_url)
    finally:
        # Leave the citizen's sign-in limits as other journeys expect them.
        _forget_codes(live_server_process, demo_national_code(1))


def _journey(page, browser, live_server_process, server_url: str) -> None:
    _citizen_signs_in(page, live_server_process, demo_national_code(1), "09121000001")

    # The profile shows the student's records and offers the verification, free.
    records = page.locator(".student-records").first
    expect(records).to_contain_text("ریاضی و فیزیک")
    expect(records).to_contain_text("۱۸٫۳۸")
    assert_accessible(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portal-education.png"), full_page=True)
    records.get_by_role("link", name="درخواست تاییدیه تحصیلی (رایگان)").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("صدور تاییدیه تحصیلی")
    expect(page.locator(".fee-lines tr[data-line='office_fee']")).to_have_count(0)
    page.get_by_label("مقطع تحصیلی").select_option("upper_secondary")
    page.get_by_label("سال پایان تحصیل").fill("۱۳۹۲")
    page.get_by_label("منظور از درخواست").select_option("university")
    page.get_by_label("نام سازمان یا مؤسسه گیرنده").fill("دانشگاه صنعتی شریف")
    assert_accessible(page)
    page.get_by_role("button", name="ثبت درخواست من").click()
    expect(page.locator(".alert-success")).to_contain_text("درخواست شما ثبت شد")
    tracking = to_ascii_digits(page.locator(".request-summary .tracking-code").inner_text())

    # The Assessment Center's officer (Tehran) checks the records and issues.
    officer = browser.new_context(locale="fa-IR").new_page()
    sign_in(officer, server_url, "sanjesh-tehran")
    officer.goto(f"{server_url}/agency/")
    expect(officer.locator("main")).to_contain_text(to_persian_digits(tracking))  # in the queue
    officer.goto(f"{server_url}/agency/requests/{tracking}/")
    expect(officer.locator(".student-records-check")).to_contain_text("D-۱۳۹۲-۰۰۴۵۸۷۱")
    officer.get_by_role("button", name="شروع بررسی").click()
    officer.get_by_role("button", name="صدور تاییدیه").click()
    expect(officer.locator(".certificate-status")).to_have_text("معتبر")
    assert_accessible(officer)

    # The student prints the certificate; a university reads its QR code off the page.
    page.reload()
    expect(page.locator(".request-status")).to_have_text("صادرشده")
    page.get_by_role("link", name="مشاهده و چاپ گواهی").click()
    expect(page.locator(".certificate-head .title")).to_have_text("تاییدیه تحصیلی")
    expect(page.locator(".holder-name")).to_have_text("زهرا احمدی")
    expect(page.locator(".recipient")).to_have_text("دانشگاه صنعتی شریف")
    page.screenshot(path=str(ARTIFACTS / "certificate.png"), full_page=True)
    texts = _read_qr(page.screenshot(full_page=True))
    assert len(texts) == 1, texts
    verify_url = texts[0]
    assert verify_url.startswith(server_url + "/verify/")
    assert parse_qs(urlsplit(verify_url).query)["s"][0].count(".") == 1

    university = browser.new_context(locale="fa-IR").new_page()
    university.goto(verify_url)
    expect(university.get_by_role("heading", level=1)).to_have_text("راستی‌آزمایی گواهی")
    expect(university.locator(".certificate-valid")).to_contain_text("معتبر")
    expect(university.locator(".signature-valid")).to_be_visible()
    expect(university.locator(".holder-name")).to_have_text("زهرا احمدی")
    expect(university.locator(".masked-code")).to_have_text("******۰۰۱۸")
    expect(university.locator("body")).not_to_contain_text("۹۹۹۰۰۰۰۰۱۸")
    assert_accessible(university)
    university.screenshot(path=str(ARTIFACTS / "certificate-verify.png"), full_page=True)

    # A clerk with only the paper types the code printed under the QR code, from any page's
    # footer; a typo first. A university's own system asks the API with the same code.
    printed_code = page.locator(".verification-code").inner_text()
    code = printed_code.replace("-", "")
    clerk = browser.new_context(locale="fa-IR").new_page()
    clerk.goto(server_url + "/")
    clerk.get_by_role("link", name="راستی‌آزمایی رسید یا گواهی").click()
    expect(clerk.get_by_role("heading", level=1)).to_have_text("راستی‌آزمایی رسید یا گواهی")
    clerk.get_by_label("کد راستی‌آزمایی").fill(printed_code[:9])
    clerk.get_by_role("button", name="راستی‌آزمایی", exact=True).click()
    expect(clerk.locator("#id_code_error")).to_contain_text("۱۶ حرف و رقم")
    assert_accessible(clerk)
    clerk.screenshot(path=str(ARTIFACTS / "verify-entry-error.png"), full_page=True)
    clerk.get_by_label("کد راستی‌آزمایی").fill(printed_code.lower().replace("-", " "))
    clerk.get_by_role("button", name="راستی‌آزمایی", exact=True).click()
    expect(clerk.locator(".certificate-valid")).to_contain_text("معتبر")
    expect(clerk.locator(".holder-name")).to_have_text("زهرا احمدی")
    api = clerk.request.get(f"{server_url}/api/v1/verify/{code}/")
    assert api.status == 200, api.text()
    assert api.json()["status"] == "valid"
    assert api.json()["certified"]["level"] == "upper_secondary"
    assert "9990000018" not in api.text()

    # The officer revokes with a reason; the university's page says so at once.
    officer.reload()
    officer.get_by_label(re.compile("پیام یا علت")).fill("نمره درس ریاضی اشتباه ثبت شده بود.")
    officer.get_by_role("button", name="ابطال تاییدیه").click()
    expect(officer.locator(".certificate-status")).to_have_text("ابطال‌شده")
    university.reload()
    expect(university.locator(".certificate-revoked")).to_contain_text("ابطال‌شده")
    expect(university.locator(".certificate-valid")).to_have_count(0)
    university.screenshot(path=str(ARTIFACTS / "certificate-revoked.png"), full_page=True)
    revoked = clerk.request.get(f"{server_url}/api/v1/verify/{code}/").json()
    assert revoked["status"] == "revoked" and revoked["revoked_at"]

    # The student sees the revocation and its reason on the request.
    page.goto(f"{server_url}/portal/requests/{tracking}/")
    expect(page.locator(".revocation-reason")).to_contain_text("نمره درس ریاضی")
