"""The public catalogue in a real browser: Persian, right to left, searchable, fees shown."""

import re

from playwright.sync_api import expect

from .conftest import ARTIFACTS, assert_accessible, sign_in


def test_home_page_is_persian_right_to_left(page, server_url):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(server_url + "/")
    page.wait_for_load_state("networkidle")
    # Everything — CSS, JS, fonts — comes from the project itself: no CDN.
    assert requested and all(url.startswith(server_url) for url in requested), requested
    assert any(url.endswith(".woff2") for url in requested)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "fa")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_contain_text("خدمات دولت")
    # The font is ours, served locally, and actually used.
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert family.startswith('"Vazirmatn"') or family.startswith("Vazirmatn")
    assert page.evaluate("document.fonts.check('16px Vazirmatn')")
    # Text runs right to left: the heading's right edge sits at the container's right edge.
    direction = page.evaluate("getComputedStyle(document.querySelector('main h1')).direction")
    assert direction == "rtl"
    expect(page.locator(".agency-card").first).to_contain_text(re.compile("[۰-۹]+ خدمت"))
    assert_accessible(page)


def test_search_with_arabic_yeh_finds_the_duplicate_national_card(page, server_url):
    page.goto(server_url + "/")
    page.get_by_label("جست‌وجوی خدمت").fill("کارت ملي")  # Arabic ي, as old keyboards type it
    page.get_by_role("button", name="جست‌وجو").click()
    expect(page).to_have_url(re.compile(r"/services/\?q="))
    result = page.locator(".service-results").get_by_role("link", name="کارت ملی المثنی")
    expect(result).to_be_visible()
    assert_accessible(page)
    result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("کارت ملی المثنی")


def test_service_page_shows_fee_lines(page, server_url):
    page.goto(server_url + "/services/nocr-birth-certificate-duplicate/")
    office = page.locator('.fee-card[data-channel="office"]')
    online = page.locator('.fee-card[data-channel="online"]')
    expect(office.locator('tr[data-line="government"]')).to_contain_text("۳۰۰٬۰۰۰ ریال")
    expect(office.locator('tr[data-line="office_fee"]')).to_contain_text("کارمزد دفتر")
    expect(office.locator('tr[data-line="vat"]')).to_be_visible()
    expect(online.locator('tr[data-line="office_fee"]')).to_have_count(0)
    expect(online.locator("tfoot")).to_contain_text("۳۰۰٬۰۰۰ ریال")
    expect(page.locator(".document-list li").first).to_be_visible()
    assert_accessible(page)


def test_english_switch_and_back(page, server_url):
    page.goto(server_url + "/services/moe-teacher-employment-certificate/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator('.fee-card[data-channel="online"] tfoot')).to_contain_text("Free")
    assert_accessible(page)
    page.get_by_role("button", name="فارسی").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def test_unknown_service_is_a_friendly_404(page, server_url):
    response = page.goto(server_url + "/services/no-such-thing/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("صفحه پیدا نشد")
    assert_accessible(page)


def test_phone_width_has_no_horizontal_overflow(browser, server_url):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    for path in ["/", "/services/abfa-water-connection/", "/services/?q=انشعاب"]:
        page.goto(server_url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (path, overflow)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone-service.png"), full_page=True)
    context.close()


def test_keyboard_reaches_the_skip_link_first(page, server_url):
    page.goto(server_url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "رفتن به محتوای اصلی"


def test_staff_pages_fit_a_phone(browser, server_url):
    """Wide tables scroll inside their box; the page itself never scrolls sideways."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    for username, path in (
        ("workgroup-tehran", "/regulator/capacity/23/"),
        ("officer-nocr-tehran", "/agency/"),
    ):
        context.clear_cookies()
        sign_in(page, server_url, username)
        page.goto(server_url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (path, overflow)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"phone-{username}.png"), full_page=True)
    context.close()
