"""What the product walk of 2026-12-02 found that only a browser shows: how mixed Persian and Latin
text and lone numbers are laid out on a Persian page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import ARTIFACTS, sign_in

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _tracking(live, key: str) -> str:
    row = live.fetch_one(
        "SELECT tracking_code FROM cases_servicerequest WHERE idempotency_key = %s", (key,)
    )
    assert row, key
    return str(row[0])


def test_a_lone_number_and_a_files_size_read_in_order_on_a_persian_page(
    browser, live_server_process
):
    """A value someone typed is shown with dir="auto"; a number alone (a postal code, a count) has
    no letter to give it a direction, so the browser set it at the far left of the page, away
    from its label. And "(PDF · ۱۹۳ بایت)": Persian digits are European numbers to Unicode's
    bidi rules, so after the Latin "PDF" they ran left to right with it and read "۱۹۳ · PDF
    بایت" — the size torn from its unit."""
    live = live_server_process
    context = browser.new_context(locale="fa-IR", **PHONE)
    page = context.new_page()
    sign_in(page, live.url, "officer-abfa-isfahan")
    page.goto(f"{live.url}/agency/requests/{_tracking(live, 'demo-isfahan-water')}/")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "walk-values-in-order.png"), full_page=True)

    values = page.evaluate(
        """() => [...document.querySelectorAll('.form-data dd')].map(dd => {
          const text = document.createRange();
          text.selectNodeContents(dd);
          const right = dd.getBoundingClientRect().right;
          const padding = parseFloat(getComputedStyle(dd).paddingRight);
          const gap = right - padding - text.getBoundingClientRect().right;
          return {value: dd.textContent.trim(), gap: gap};
        })"""
    )
    lone_numbers = [v for v in values if re.fullmatch(r"[۰-۹]+", v["value"])]
    assert lone_numbers, values  # the postal code, the number of units
    assert all(abs(v["gap"]) < 2 for v in values), values  # each at the right, under its label

    size = page.locator(".attachments .file-kind").first
    expect(size).to_contain_text("PDF")
    # Reading right to left: "(", then the kind, then the size with its unit.
    kind_x, digits_x, unit_x = size.evaluate(
        """span => {
          const at = (pattern) => {
            const walker = document.createTreeWalker(span, NodeFilter.SHOW_TEXT);
            for (let node; (node = walker.nextNode());) {
              const i = node.nodeValue.search(pattern);
              if (i >= 0) {
                const range = document.createRange();
                range.setStart(node, i);
                range.setEnd(node, i + 1);
                return range.getBoundingClientRect().x;
              }
            }
            return null;
          };
          return [at(/PDF/), at(/[۰-۹]/), at(/بایت/)];
        }"""
    )
    assert kind_x > digits_x > unit_x, (kind_x, digits_x, unit_x)
    context.close()
