"""Accessibility checks axe cannot make (decision 54): the focus ring's contrast, measured in the
page, and the tracking answer arriving in a live region that stays in the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pishkhan.core.demo import demo_national_code

from .conftest import ARTIFACTS, assert_accessible, sign_in

# The focused element's ring, read from getComputedStyle: the outline's colour against the
# page behind it (the nearest opaque background of an ancestor), and the ring's colours (the
# outline, and a box-shadow ring at least 2 px wide) against the control's own background.
FOCUS_RING = """() => {
  // A file input lies invisible over its face: the ring is on the face's wrapper.
  const el = document.activeElement.closest(".file-pick") || document.activeElement;
  const rgba = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a] = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r, g, b, a: a === undefined ? 1 : a};
  };
  const luminance = ({r, g, b}) => {
    const lin = (c) => {
      c /= 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const contrast = (x, y) => {
    const [a, b] = [luminance(x), luminance(y)].sort((p, q) => q - p);
    return (a + 0.05) / (b + 0.05);
  };
  const background = (node) => {
    for (; node && node.nodeType === 1; node = node.parentElement) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c && c.a === 1) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const style = getComputedStyle(el);
  const outline = rgba(style.outlineColor);
  const page = background(el.parentElement);
  const control = background(el);
  const ring = [outline];
  const shadow = style.boxShadow.match(/(rgba?\\([^)]+\\))\\s+0px\\s+0px\\s+0px\\s+([\\d.]+)px/);
  if (shadow && Number(shadow[2]) >= 2) ring.push(rgba(shadow[1]));
  return {
    tag: el.tagName + "." + el.className,
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth),
    againstPage: contrast(outline, page),
    againstControl: Math.max(
      ...ring.filter((c) => c && c.a === 1).map((c) => contrast(c, control))
    ),
  };
}"""


def tab_to(page, selector: str) -> None:
    """Tab (the keyboard, so :focus-visible applies) until the element has the focus."""
    page.locator("body").click(position={"x": 1, "y": 1})
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def assert_visible_focus(page, selector: str) -> None:
    tab_to(page, selector)
    ring = page.evaluate(FOCUS_RING)
    assert ring["outlineStyle"] == "solid" and ring["outlineWidth"] >= 2, ring
    assert ring["againstPage"] >= 3, ring
    assert ring["againstControl"] >= 3, ring


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_focus_ring_is_seen_on_buttons_links_and_inputs(browser, server_url, language):
    context = browser.new_context(
        locale="en-US", viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
    )
    page = context.new_page()
    if language == "en":
        context.add_cookies([{"name": "pishkhan_language", "value": "en", "url": server_url}])
    page.goto(server_url + "/track/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    for selector, shot in (
        (".navbar .nav-link[href='/track/']", "nav"),  # a nav link on the white header
        (".navbar .btn-primary", None),  # "My profile": teal
        ("#id_tracking_code", "input"),
        ("#track-submit", "button"),  # "Track": teal
        (".site-footer a", None),  # a plain link
    ):
        assert_visible_focus(page, selector)
        if shot:
            page.screenshot(path=str(ARTIFACTS / f"focus-{shot}-{language}.png"))
    context.close()


def test_the_focus_ring_on_a_signed_in_page_and_a_phone(browser, server_url):
    context = browser.new_context(
        locale="en-US", viewport={"width": 390, "height": 844}, reduced_motion="reduce"
    )
    page = context.new_page()
    sign_in(page, server_url, "operator-1001")
    page.goto(server_url + "/office/")
    page.get_by_role("button", name="باز کردن فهرست").click()
    assert_visible_focus(page, ".navbar .nav-link")
    page.screenshot(path=str(ARTIFACTS / "focus-nav-phone.png"))
    assert_visible_focus(page, "main .btn-primary")
    # The file picker's wrapper, on the counter's filing form.
    page.get_by_role("link", name="درخواست تازه").click()
    page.get_by_label("کد ملی").fill(demo_national_code(12))
    page.get_by_label("شماره تلفن همراه").fill("0912 100 0012")
    page.get_by_role("button", name="بررسی و ادامه").click()
    page.get_by_role("link", name="شناسنامه المثنی").click()
    assert_visible_focus(page, ".file-pick input[type=file]")
    page.screenshot(path=str(ARTIFACTS / "focus-file-phone.png"))
    context.close()


def test_the_tracking_answer_is_announced_in_a_region_that_stays(
    browser, server_url, live_server_process
):
    tracking, national = live_server_process.fetch_one(
        "SELECT r.tracking_code, u.national_code FROM cases_servicerequest r "
        "JOIN accounts_user u ON u.id = r.citizen_id WHERE r.idempotency_key = %s",
        ("demo-office-approved",),
    )
    for language, width in (("fa", 1280), ("en", 390)):
        context = browser.new_context(locale="en-US", viewport={"width": width, "height": 900})
        page = context.new_page()
        if language == "en":
            context.add_cookies([{"name": "pishkhan_language", "value": "en", "url": server_url}])
        page.goto(server_url + "/track/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        region = page.locator("#track-answer")
        expect(region).to_have_attribute("aria-live", "polite")
        page.evaluate("window.region = document.getElementById('track-answer')")
        same_region = "document.getElementById('track-answer') === window.region"
        code, national_label = page.locator("#id_tracking_code"), page.locator("#id_national_code")

        # Found: the answer is inside the region that was there before the look-up.
        code.fill(str(tracking))
        national_label.fill(str(national))
        page.locator("#track-submit").click()
        expect(region.locator(".request-status")).to_be_visible()
        assert page.evaluate(same_region)
        assert_accessible(page)
        page.screenshot(path=str(ARTIFACTS / f"track-live-{language}-{width}.png"), full_page=True)

        # A malformed code: the form comes back with its error, and the region (now emptied)
        # is still the same node.
        code.fill("1")
        page.locator("#track-submit").click()
        expect(page.locator("#id_tracking_code")).to_have_attribute("aria-invalid", "true")
        # ... and decision 55's error summary, focused, linking to the field.
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(summary.locator("a[href='#id_tracking_code']")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"track-error-{language}-{width}.png"))
        expect(region.locator(".request-status")).to_have_count(0)
        assert page.evaluate(same_region)

        # Corrected, from the form that carried the error: the answer, the same region.
        page.locator("#id_tracking_code").fill(str(tracking))
        page.locator("#track-submit").click()
        expect(region.locator(".request-status")).to_be_visible()
        expect(page.locator(".invalid-feedback")).to_have_count(0)
        assert page.evaluate(same_region)

        # Not found: the warning, in the same region.
        page.locator("#id_national_code").fill("0499370899")
        page.locator("#track-submit").click()
        expect(region.locator(".alert-warning")).to_be_visible()
        assert page.evaluate(same_region)
        context.close()
