"""The product walk, kept: every role opens its main pages on a phone, and none of them logs an
error (a refusal by the Content-Security-Policy, a failed file, a script error), scrolls sideways,
leaves a chart undrawn or a file input without its face. Plus what the walk of 2026-12-02 found
that only a browser shows: how mixed Persian and Latin text and lone numbers are laid out."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from pishkhan.core.text import to_persian_digits

from .conftest import ARTIFACTS, sign_in

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TEACHER, TEACHER_MOBILE = "9990002010", "09121000201"  # no other journey signs this citizen in

# A page's checks, run in it: what scrolls sideways (the outermost element past the edge that no
# scrolling box of its own holds), charts the script did not draw, file inputs without a face.
# The width is the phone's: a phone (and Chromium as one) widens the window to a page that
# overflows, so window.innerWidth would grow with the fault it is meant to find.
CHECKS = """(width) => {
  const out = {overflow: [], charts: 0, pickers: 0};
  if (document.scrollingElement.scrollWidth > width + 1) {
    const held = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) return true;
    } return false; };
    const page = document.documentElement.getBoundingClientRect();  // the phone's width
    const past = el => { const r = el.getBoundingClientRect();
      return r.width > 0 && (r.right > page.right + 1 || r.left < page.left - 1); };
    const name = el => {
      const classes = typeof el.className === 'string' ? el.className.trim() : '';
      return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (classes ? '.' + classes.replace(/\\s+/g, '.') : '');
    };
    const all = [...document.querySelectorAll('body *')].filter(past);
    out.overflow = all.filter(el => !held(el) && !(el.parentElement && past(el.parentElement)))
      .map(name);
    // An absolutely placed element escapes a scrolling box that is not its containing block.
    const placed = all.filter(el => getComputedStyle(el).position === 'absolute');
    if (!out.overflow.length) out.overflow = ['(wider)', ...placed.slice(0, 3).map(name)];
  }
  out.charts = [...document.querySelectorAll('canvas[data-chart]')]
    .filter(c => !(window.Chart && Chart.getChart(c))).length;
  out.pickers = [...document.querySelectorAll('input[type=file][data-choose]')]
    .filter(i => !i.parentElement.classList.contains('file-pick')).length;
  return out;
}"""


def _tracking(live, key: str) -> str:
    row = live.fetch_one(
        "SELECT tracking_code FROM cases_servicerequest WHERE idempotency_key = %s", (key,)
    )
    assert row, key
    return str(row[0])


def _citizen_signs_in(page, live) -> None:
    page.goto(live.url + "/portal/login/")
    page.get_by_label("کد ملی").fill(to_persian_digits(TEACHER))
    page.get_by_label("شماره تلفن همراه").fill(TEACHER_MOBILE)
    page.get_by_role("button", name="ارسال کد").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("وارد کردن کد")
    code = re.search(r"(\d{6})", live.latest_sms(TEACHER_MOBILE)).group(1)
    page.get_by_label(re.compile("کد ۶ رقمی")).fill(to_persian_digits(code))
    page.get_by_role("button", name="ورود", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("پیشخوان من")


def _pages(live) -> dict[str, list[str]]:
    office = _tracking(live, "demo-office-submitted")
    office2 = _tracking(live, "demo-office2-submitted")
    teacher = _tracking(live, "demo-education-employment")
    at_office = _tracking(live, "demo-education-at-office")
    return {
        "": [
            "/",
            "/services/",
            "/services/nocr-single-status-certificate/",
            "/track/",
            "/offices/",
            "/offices/23-1001/",
            "/verify/",
            "/portal/login/",
        ],
        "citizen": [
            "/portal/",
            "/portal/new/",
            "/portal/new/moe-teacher-employment-certificate/",
            f"/portal/requests/{teacher}/",
            f"/certificates/{teacher}/",
            "/portal/data-access/",
        ],
        "operator-1001": [
            "/office/",
            "/office/new/",
            f"/office/requests/{office}/",
            f"/office/requests/{office}/receipt/",
        ],
        "manager-1001": ["/offices/manage/", "/settlement/", "/feedback/repayments/"],
        "officer-nocr-tehran": ["/agency/", f"/agency/requests/{office2}/"],
        "agencyadmin-nocr": ["/agency/insights/", "/admin/"],
        "supervisor-tehran": [
            "/province/",
            "/province/23/offices/23-1001/requests/",
            "/province/requests/",
            f"/province/requests/{office}/",
        ],
        "regulator": [
            "/regulator/",
            "/regulator/offices/",
            "/regulator/ranking/",
            "/regulator/fee-caps/",
            "/feedback/complaints/",
            "/insights/",
        ],
        "sanjesh-tehran": ["/agency/", f"/agency/requests/{at_office}/"],
        "admin": ["/admin/"],
        "ict-tehran": ["/regulator/"],
        "workgroup-tehran": ["/regulator/capacity/23/"],
    }


def test_every_role_opens_its_pages_on_a_phone_without_an_error_or_sideways_scroll(
    browser, live_server_process
):
    live = live_server_process
    problems: list[str] = []
    walked = 0
    pages = _pages(live)
    for who, paths in pages.items():
        context = browser.new_context(locale="en-US", **PHONE)
        page = context.new_page()
        page.on(
            "console",
            lambda message, page=page, who=who: (
                problems.append(
                    f"{who or 'visitor'} {page.url}: console {message.type}: {message.text}"
                )
                if message.type == "error"
                else None
            ),
        )
        page.on(
            "pageerror",
            lambda error, page=page, who=who: problems.append(
                f"{who or 'visitor'} {page.url}: script error: {error}"
            ),
        )
        if who == "citizen":
            _citizen_signs_in(page, live)
        elif who:
            sign_in(page, live.url, who)
            expect(page).not_to_have_url(re.compile("/accounts/login/"))
        for path in paths:
            response = page.goto(live.url + path)
            walked += 1
            where = f"{who or 'visitor'} {path}"
            if response is None or response.status >= 400:
                problems.append(f"{where}: status {response and response.status}")
                continue
            # Errors come after "load" too: the icon, the charts drawn once the fonts are in.
            page.wait_for_load_state("networkidle")
            found = page.evaluate(CHECKS, PHONE["viewport"]["width"])
            if found["overflow"]:
                problems.append(f"{where}: scrolls sideways: {found['overflow']}")
            if found["charts"]:
                problems.append(f"{where}: {found['charts']} chart(s) not drawn")
            if found["pickers"]:
                problems.append(f"{where}: {found['pickers']} file input(s) without a face")
        if who == "":
            # The menu folds away on a phone; Bootstrap's script opens it (no inline handler).
            page.goto(live.url + "/")
            expect(page.locator("#main-nav")).to_be_hidden()
            page.locator(".navbar-toggler").click()
            expect(page.get_by_role("link", name="پیگیری درخواست")).to_be_visible()
        context.close()
    assert walked == sum(len(paths) for paths in pages.values()) >= 35  # all of them, every role
    assert not problems, "\n".join(problems)


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
