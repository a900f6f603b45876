"""A citizen finds a counter office in Tehran for a duplicate birth certificate, compares the
office's fee with the official cap, and learns that filing online is cheaper."""

import re

from playwright.sync_api import expect

from .conftest import ARTIFACTS, assert_accessible

SERVICE = "شناسنامه المثنی"


def test_citizen_finds_an_office_in_tehran_and_sees_fee_cap_and_online_note(page, server_url):
    page.goto(server_url + "/offices/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_have_text("یافتن دفتر پیشخوان")
    # The suspended office in Tabriz is not listed.
    expect(page.locator('.office-card[data-licence="03-5001"]')).to_have_count(0)
    assert_accessible(page)

    # Province and service first; the province's counties come with the answer.
    page.get_by_label("استان").select_option(label="تهران")
    page.get_by_label("خدمت", exact=True).select_option(label=SERVICE)
    page.get_by_role("button", name="نمایش دفترها").click()
    expect(page.get_by_label("شهرستان")).to_be_enabled()
    page.get_by_label("شهرستان").select_option(label="تهران")
    page.get_by_role("button", name="نمایش دفترها").click()
    expect(page).to_have_url(re.compile(r"/offices/\?province=23&county=\d+&service="))

    expect(page.locator(".result-count")).to_have_text("۲ دفتر پیدا شد.")
    card = page.locator('.office-card[data-licence="23-1001"]')
    expect(card.get_by_role("heading", level=3)).to_contain_text("ونک")
    expect(card.locator(".office-address")).to_contain_text("میدان ونک")
    expect(card.locator(".office-hours")).to_have_text("شنبه تا چهارشنبه ۸ تا ۱۶")
    expect(card.locator(".office-phone")).to_have_text("۰۲۱۸۸۰۰۱۰۰۱")
    # The office's own fee beside the official cap, in Persian digits.
    expect(card.locator('tr[data-line="office_fee"]')).to_contain_text("۳۶۰٬۰۰۰ ریال")
    expect(card.locator('tr[data-line="cap"]')).to_contain_text("۴۵۰٬۰۰۰ ریال")
    expect(card.locator('tr[data-line="total"]')).to_contain_text("۶۹۶٬۰۰۰ ریال")
    # Cheaper online: no office fee, and a link to the service page.
    note = page.locator(".online-note")
    expect(note).to_contain_text("ارزان‌تر به‌صورت برخط")
    expect(note).to_contain_text("۳۰۰٬۰۰۰ ریال")
    # Text runs right to left: the heading's right edge is near the card's right edge.
    box = card.get_by_role("heading", level=3).bounding_box()
    card_box = card.bounding_box()
    assert card_box["x"] + card_box["width"] - (box["x"] + box["width"]) < 40
    assert_accessible(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "office-finder.png"), full_page=True)

    # The office's own page: every service with its fee beside the cap.
    card.get_by_role("link", name=re.compile("ونک")).click()
    expect(page).to_have_url(re.compile(r"/offices/23-1001/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("دفتر پیشخوان دولت ۱۰۰۱ تهران (ونک)")
    row = page.locator('tr[data-service="nocr-birth-certificate-duplicate"]')
    expect(row.locator(".office-fee")).to_have_text("۳۶۰٬۰۰۰ ریال")
    expect(row.locator(".cap")).to_have_text("۴۵۰٬۰۰۰ ریال")
    expect(row.locator(".online-note")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "office-page.png"), full_page=True)

    # Back to the finder and on to the online way.
    page.go_back()
    note.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/services/nocr-birth-certificate-duplicate/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(SERVICE)


def test_junk_in_the_address_is_a_clear_note(page, server_url):
    response = page.goto(server_url + "/offices/?province=zz&service=%27%20OR%201%3D1")
    assert response.status == 200
    expect(page.locator(".finder-note").first).to_contain_text("هیچ دفتری نمایش داده نمی‌شود")
    expect(page.locator(".office-card")).to_have_count(0)
    assert_accessible(page)


def test_office_pages_fit_a_phone(browser, server_url):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    for path in [
        "/offices/?province=23&service=nocr-birth-certificate-duplicate",
        "/offices/23-1001/",
    ]:
        page.goto(server_url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (path, overflow)
    page.goto(server_url + "/offices/?province=23&service=nocr-birth-certificate-duplicate")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone-office-finder.png"), full_page=True)
    context.close()
