"""The request journeys: an operator files at the counter and prints the receipt; anyone tracks
it; an officer asks for more information, the office resubmits, and the officer approves."""

import datetime as dt
import re

from playwright.sync_api import expect

from pishkhan.core.demo import demo_national_code
from pishkhan.core.jalali import format_jalali_numeric
from pishkhan.core.text import to_persian_digits

from .conftest import ARTIFACTS, assert_accessible, sign_in

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_operator_files_at_the_counter_prints_the_receipt_and_anyone_tracks_it(
    page, browser, server_url, tmp_path
):
    document = tmp_path / "national-card.pdf"
    document.write_bytes(PDF)
    sign_in(page, server_url, "operator-1001")
    expect(page.get_by_role("heading", level=1)).to_contain_text("دفتر پیشخوان")
    assert_accessible(page)
    page.get_by_role("link", name="درخواست تازه").click()

    national_code = demo_national_code(12)
    page.get_by_label("کد ملی").fill(to_persian_digits(national_code))  # typed in Persian digits
    page.get_by_label("شماره تلفن همراه").fill("0912 100 0012")
    assert_accessible(page)
    page.get_by_role("button", name="بررسی و ادامه").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("انتخاب خدمت")
    page.get_by_role("link", name="شناسنامه المثنی").click()

    expect(page.locator(".fee-lines")).to_contain_text("۳۰۰٬۰۰۰ ریال")
    page.get_by_label("علت درخواست المثنی").select_option(label="مفقودی")
    # The file inputs speak the page's language, not the browser's ("Choose File").
    card = page.locator(".file-pick").filter(has=page.get_by_label("تصویر کارت ملی"))
    expect(card).to_contain_text("انتخاب فایل")
    expect(card.locator(".file-pick-name")).to_have_text("فایلی انتخاب نشده است")
    page.get_by_label("تصویر کارت ملی").set_input_files(str(document))
    expect(card.locator(".file-pick-name")).to_have_text(document.name)
    page.get_by_label(re.compile("عکس")).set_input_files(str(document))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "counter-filing-files.png"), full_page=True)
    # Sent with a field missing: the error names it, and the documents are kept, not lost.
    page.get_by_role("button", name="ثبت درخواست").click()
    expect(page.locator(".held-upload")).to_have_count(2)
    expect(page.locator(".held-upload").first).to_contain_text("نگه داشته شد")
    loss = format_jalali_numeric(dt.date.today() - dt.timedelta(days=20))
    page.get_by_label("تاریخ تقریبی مفقودی یا از بین رفتن").fill(to_persian_digits(loss))
    page.get_by_label("نوبت درخواست المثنی").select_option(label="نوبت اول")
    assert_accessible(page)
    # A double click still makes one request.
    page.get_by_role("button", name="ثبت درخواست").dblclick()

    expect(page.get_by_role("status").or_(page.locator(".alert-success")).first).to_contain_text(
        "درخواست ثبت شد"
    )
    tracking = page.locator(".request-summary .tracking-code").inner_text()
    assert re.fullmatch("[۰-۹]{12}", tracking)
    expect(page.locator(".request-status")).to_have_text("ثبت‌شده")
    expect(page.locator(".attachments li")).to_have_count(2)  # both kept documents were filed
    assert_accessible(page)

    page.get_by_role("link", name="چاپ رسید").click()
    expect(page.locator(".code")).to_have_text(tracking)
    expect(page.locator(".fee-total")).to_be_visible()
    page.emulate_media(media="print")
    ARTIFACTS.mkdir(exist_ok=True)
    # A5, from the print stylesheet (its @page size, as a browser prints it).
    page.pdf(path=str(ARTIFACTS / "receipt.pdf"), prefer_css_page_size=True)
    page.emulate_media(media="screen")
    import pypdfium2

    # One sheet: the print and PDF buttons are not printed onto a second one.
    assert len(pypdfium2.PdfDocument(str(ARTIFACTS / "receipt.pdf"))) == 1

    # The office's list shows exactly one new request for this citizen.
    page.goto(server_url + "/office/?q=" + national_code)
    expect(page.locator(".office-requests tbody tr")).to_have_count(1)

    # Anyone tracks it with the tracking code and the national code.
    visitor = browser.new_context(locale="fa-IR").new_page()
    visitor.goto(server_url + "/track/")
    visitor.get_by_label("کد رهگیری").fill(tracking)
    visitor.get_by_label("کد ملی").fill(national_code)
    visitor.evaluate("window.samePage = true")  # htmx answers in place: no new page load
    visitor.get_by_role("button", name="پیگیری", exact=True).click()
    expect(visitor.locator(".request-status")).to_have_text("ثبت‌شده")
    assert visitor.evaluate("window.samePage === true")
    expect(visitor.locator(".timeline li")).to_have_count(1)
    assert_accessible(visitor)
    visitor.screenshot(path=str(ARTIFACTS / "track-result.png"), full_page=True)
    # A typo in the tracking code is caught before any look-up.
    typo = tracking[:-1] + ("۱" if tracking[-1] != "۱" else "۲")
    visitor.get_by_label("کد رهگیری").fill(typo)
    visitor.get_by_role("button", name="پیگیری", exact=True).click()
    expect(visitor.locator(".invalid-feedback")).to_contain_text("رقم آخر")
    # The error summary takes the focus (decision 55) once htmx has settled the answer; a person
    # reads it before typing again (typing while it moves would lose keys, as in a test).
    expect(visitor.locator(".error-summary")).to_be_focused()
    # Corrected, the answer comes back and the form's error goes.
    visitor.get_by_label("کد رهگیری").fill(tracking)
    visitor.get_by_role("button", name="پیگیری", exact=True).click()
    expect(visitor.locator(".request-status")).to_have_text("ثبت‌شده")
    expect(visitor.locator(".invalid-feedback")).to_have_count(0)
    assert visitor.evaluate("window.samePage === true")
    visitor.context.close()


def test_officer_asks_for_information_then_approves(page, browser, server_url):
    sign_in(page, server_url, "officer-nocr-tehran")
    expect(page.get_by_role("heading", level=1)).to_contain_text("صف درخواست‌ها")
    expect(page.locator(".sla-badge").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("وضعیت").select_option("in_review")
    page.get_by_role("button", name="پالایش").click()
    # The filtered queue is a new page under the same heading: wait for it, or the row below
    # could be read from the unfiltered page being replaced.
    expect(page).to_have_url(re.compile(r"[?&]status=in_review(&|$)"))
    page.wait_for_load_state()
    row = page.locator(".agency-queue tbody tr", has_text="۱۰۰۱").first  # filed at office 1001
    tracking = row.get_attribute("data-tracking")
    row.get_by_role("link").click()
    expect(page.locator(".request-status")).to_have_text("در حال بررسی")
    assert_accessible(page)

    # Asking for information needs a message.
    page.get_by_role("button", name="درخواست اطلاعات بیشتر").click()
    expect(page.locator(".alert-danger").first).to_contain_text("علت یا پیام")
    page.get_by_label(re.compile("پیام یا علت")).fill("تصویر کارت ملی خوانا نیست.")
    page.get_by_role("button", name="درخواست اطلاعات بیشتر").click()
    expect(page.locator(".request-status")).to_have_text("نیاز به اطلاعات بیشتر")

    # The office that filed it resubmits.
    office = browser.new_context(locale="fa-IR").new_page()
    sign_in(office, server_url, "operator-1001")
    office.goto(f"{server_url}/office/requests/{tracking}/")
    expect(office.locator(".timeline-comment")).to_contain_text("خوانا نیست")
    office.get_by_role("button", name="ارسال دوباره").click()
    expect(office.locator(".request-status")).to_have_text("تکمیل‌شده و ارسال دوباره")
    office.context.close()

    page.reload()
    page.get_by_role("button", name="شروع بررسی").click()
    page.get_by_role("button", name="تایید", exact=True).click()
    expect(page.locator(".request-status")).to_have_text("تاییدشده")
    # submit, start_review (the demo), ask_info, resubmit, start_review, approve
    expect(page.locator(".timeline li")).to_have_count(6)


def test_a_stale_page_is_told_the_request_just_changed(page, browser, server_url):
    sign_in(page, server_url, "officer-nocr-tehran")
    page.goto(server_url + "/agency/?status=submitted")
    page.locator(".agency-queue tbody tr a").first.click()
    other = browser.new_context(locale="fa-IR").new_page()
    sign_in(other, server_url, "officer-nocr-tehran")
    other.goto(page.url)
    other.get_by_role("button", name="شروع بررسی").click()
    expect(other.locator(".request-status")).to_have_text("در حال بررسی")
    other.context.close()
    page.get_by_role("button", name="شروع بررسی").click()
    expect(page.locator(".alert-danger").first).to_contain_text("همین حالا")


def test_a_step_that_cannot_be_undone_asks_first(browser, server_url):
    officer = browser.new_context(locale="fa-IR", answer_dialogs=False).new_page()
    sign_in(officer, server_url, "officer-nocr-tehran")
    officer.goto(server_url + "/agency/?status=submitted")
    officer.locator(".agency-queue tbody tr a").last.click()
    officer.get_by_role("button", name="شروع بررسی").click()  # not final: no question
    expect(officer.locator(".request-status")).to_have_text("در حال بررسی")
    asked: list[str] = []

    def answer(dialog, yes: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if yes else dialog.dismiss()

    # Without the reason it needs, a rejection is not asked about: the page says what is missing.
    def refuse(dialog) -> None:
        answer(dialog, yes=False)

    officer.on("dialog", refuse)
    officer.get_by_role("button", name="رد درخواست").click()
    expect(officer.locator(".alert-danger").first).to_contain_text("علت")
    assert asked == []
    officer.remove_listener("dialog", refuse)
    officer.get_by_label(re.compile("پیام یا علت")).fill("مدارک ناقص است.")

    officer.once("dialog", lambda dialog: answer(dialog, yes=False))
    officer.get_by_role("button", name="رد درخواست").click()
    expect(officer.locator(".request-status")).to_have_text("در حال بررسی")
    assert asked == ["«رد درخواست» برگشت‌پذیر نیست. انجام شود؟"]
    officer.once("dialog", lambda dialog: answer(dialog, yes=True))
    officer.get_by_role("button", name="رد درخواست").click()
    expect(officer.locator(".request-status")).to_have_text("ردشده")
    assert len(asked) == 2
    officer.context.close()
