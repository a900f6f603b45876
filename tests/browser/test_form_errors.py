"""A refused form, as a keyboard or screen-reader user meets it (decision 55): the focus is on
the error summary, whose links lead to the wrong fields, and a document kept from the last try
is named on its file picker instead of "No file chosen"."""

import re

from playwright.sync_api import expect

from pishkhan.core.demo import demo_national_code
from pishkhan.core.text import to_persian_digits

from .conftest import ARTIFACTS, assert_accessible, sign_in

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
# Screenshots to look at, besides the test artifacts.


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def summary_targets(page) -> list[str]:
    """The ids the focused element's links point at; fails unless the focus is on the summary."""
    # pishkhan.js (deferred) moves the focus once the document is parsed, which may come after
    # the title an expectation waited for.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.matches('.error-summary')"
    )
    focused = page.evaluate(
        """() => {
          const el = document.activeElement;
          return {cls: el.className, role: el.getAttribute("role"),
                  links: [...el.querySelectorAll("a[href^='#']")].map(a => a.getAttribute("href"))};
        }"""
    )
    assert "error-summary" in focused["cls"] and focused["role"] == "alert", focused
    return [href[1:] for href in focused["links"]]


def assert_invalid(page, ids: list[str]) -> None:
    assert ids
    for element_id in ids:
        field = page.locator(f"[id='{element_id}']")
        expect(field).to_have_count(1)
        expect(field).to_have_attribute("aria-invalid", "true")


def test_a_refused_counter_form_focuses_its_summary_and_keeps_the_documents_named(
    page, server_url, tmp_path
):
    document = tmp_path / "national-card.pdf"
    document.write_bytes(PDF)
    sign_in(page, server_url, "operator-1001")
    page.goto(server_url + "/office/new/")
    page.get_by_label("کد ملی").fill("123")
    page.get_by_role("button", name="بررسی و ادامه").click()
    expect(page).to_have_title(re.compile("^خطا: "))
    targets = summary_targets(page)
    assert targets == ["id_national_code", "id_mobile"]
    assert_invalid(page, targets)
    assert_accessible(page)
    # A link of the summary puts the focus in its field.
    page.locator(".error-summary a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_national_code"

    page.get_by_label("کد ملی").fill(to_persian_digits(demo_national_code(12)))
    page.get_by_label("شماره تلفن همراه").fill("09121000012")
    page.get_by_role("button", name="بررسی و ادامه").click()
    page.get_by_role("link", name="شناسنامه المثنی").click()
    page.get_by_label("تصویر کارت ملی").set_input_files(str(document))
    page.get_by_role("button", name="ثبت درخواست").click()

    expect(page.locator(".held-upload")).to_have_count(1)
    targets = summary_targets(page)
    assert "id_field_reason" in targets, targets
    assert_invalid(page, targets)
    # The kept document is named on the picker, not "No file chosen", and described to a
    # screen reader by the note that says it was kept.
    card = page.locator(".file-pick").filter(has=page.get_by_label("تصویر کارت ملی"))
    expect(card.locator(".file-pick-name")).to_have_text("national-card.pdf (نگه داشته شده)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    card.locator("xpath=../..").screenshot(path=str(ARTIFACTS / "held-picker.png"))
    picker = page.get_by_label("تصویر کارت ملی")
    described = picker.get_attribute("aria-describedby").split()
    held = [d for d in described if d.endswith("_held")]
    assert held and "نگه داشته شد" in page.locator(f"[id='{held[0]}']").inner_text()
    assert_accessible(page)
    shoot(page, "error-summary-counter-fa-desktop")


def test_a_refused_online_filing_focuses_its_summary_in_persian_and_english(
    browser, live_server_process
):
    server_url = live_server_process.url
    # A citizen no other browser test signs in (each national code may ask a few codes only).
    national_code, mobile = demo_national_code(2), "09131000002"
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server_url + "/portal/login/?next=/portal/new/nocr-single-status-certificate/")
    page.get_by_label("کد ملی").fill(national_code)
    page.get_by_label("شماره تلفن همراه").fill(mobile)
    page.get_by_role("button", name="ارسال کد").click()
    # The code page says how long the code lasts and from when a new one may be asked for.
    expect(page.locator(".code-lifetime")).to_contain_text(re.compile("۲ دقیقه، تا ساعت [۰-۹]"))
    expect(page.locator(".next-code")).to_contain_text(re.compile("از ساعت [۰-۹]{2}:[۰-۹]{2}"))
    code = re.search(r"(\d{6})", live_server_process.latest_sms(mobile)).group(1)
    page.get_by_label(re.compile("کد ۶ رقمی")).fill(code)
    page.get_by_role("button", name="ورود", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("صدور گواهی تجرد")
    page.get_by_role("button", name="ثبت درخواست من").click()
    expect(page).to_have_title(re.compile("^خطا: "))
    targets = summary_targets(page)
    assert len(targets) >= 2
    assert_invalid(page, targets)
    assert_accessible(page)
    shoot(page, "error-summary-portal-fa-390")

    # The same in English, on a desktop.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name=re.compile("File my request")).click()
    expect(page).to_have_title(re.compile("^Error: "))
    assert summary_targets(page) == targets
    expect(page.locator(".error-summary h2")).to_have_text("There is a problem with this form")
    assert_accessible(page)
    shoot(page, "error-summary-portal-en-desktop")
    context.close()
