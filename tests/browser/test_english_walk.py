"""The English interface, walked: every role's main pages (the product walk's list) and a
certificate's public verification page, in English. Persian stays where it is data — people's,
offices' and counties' names, addresses, what a citizen typed — and is marked `lang="fa"` there
(decision 54, so a screen reader speaks it with a Persian voice); nothing the interface adds is
Persian: no Persian digits or Persian punctuation outside a Persian word, in the text, the
placeholders, the titles or the labels. The walk of 2026-12-02 found the example dates in date
inputs' placeholders in Persian digits on every page with a date filter, and Persian data left
unmarked in eight places (form values, a teacher's post and school, a student's name, county
names in the capacity table and its labels, office names in the settlement and a province's
list, the admin's welcome and its recent actions)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import ARTIFACTS
from .test_menu import _sign_in_en
from .test_product_walk import TEACHER, TEACHER_MOBILE, _pages

# Text (and placeholders, titles, ARIA labels) outside any lang="fa" element: with a Persian
# letter it is Persian data left unmarked; with a Persian digit or Persian punctuation and no
# Persian letter, formatting of the interface's own (a value written in Persian brings its
# letters along).
LEAKS = """() => {
  const formatting = /[\\u06F0-\\u06F9\\u0660-\\u0669\\u060C\\u061B\\u061F]/;
  const letters = /[\\u0621-\\u064A\\u067E\\u0686\\u0698\\u06A9\\u06AF\\u06CC]/;
  const leak = (text) => letters.test(text) ? 'unmarked Persian'
    : formatting.test(text) ? 'Persian formatting' : '';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    const kind = el && !el.closest('[lang=fa]') && leak(node.textContent);
    if (kind) {
      out.push(`${kind} in ${el.tagName.toLowerCase()}: ${node.textContent.trim().slice(0, 60)}`);
    }
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
    for (const name of ['placeholder', 'title', 'aria-label']) {
      const value = el.getAttribute(name);
      const kind = value && !el.closest('[lang=fa]') && leak(value);
      if (kind) {
        out.push(`${kind} in ${el.tagName.toLowerCase()}[${name}]: ${value.slice(0, 60)}`);
      }
    }
  }
  return out;
}"""


def _citizen_signs_in_en(page, live) -> None:
    page.goto(live.url + "/portal/login/")
    page.get_by_label("National code").fill(TEACHER)
    page.get_by_label("Mobile number").fill(TEACHER_MOBILE)
    page.get_by_role("button", name="Send me a code").click()
    code = re.search(r"(\d{6})", live.latest_sms(TEACHER_MOBILE)).group(1)
    page.get_by_label(re.compile("6-digit")).fill(code)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My profile")


def test_the_english_interface_adds_no_persian(browser, live_server_process):
    live = live_server_process
    pages = _pages(live)
    for kind in ("academic", "employment"):  # their pages show different records
        certificate = live.fetch_one(
            "SELECT verification_code FROM education_certificate WHERE kind = %s", (kind,)
        )
        assert certificate, f"the demo has an {kind} certificate"
        pages[""].append(f"/verify/{certificate[0]}/")
    # The admin's "Recent actions" shows what an object was called when it was changed, often
    # Persian (a fee's name): one such entry, whichever tests ran before this one.
    user = live.fetch_one("SELECT id FROM accounts_user WHERE username = %s", ("agencyadmin-nocr",))
    fee = live.fetch_one(
        "SELECT id FROM django_content_type WHERE app_label = %s AND model = %s", ("catalog", "fee")
    )
    live.fetch_one(
        "INSERT INTO django_admin_log (action_time, object_id, object_repr, action_flag,"
        " change_message, content_type_id, user_id) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        " RETURNING id",
        ("2026-12-02 08:00:00+00:00", "1", "تعرفه دولتی، ۳۵۰٬۰۰۰ ریال", 2, "[]", fee[0], user[0]),
    )
    problems: list[str] = []
    for who, paths in pages.items():
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.add_cookies([{"name": "pishkhan_language", "value": "en", "url": live.url}])
        page = context.new_page()
        if who == "citizen":
            _citizen_signs_in_en(page, live)
        elif who:
            _sign_in_en(page, live.url, who)
            expect(page).not_to_have_url(re.compile("/accounts/login/"))
        for path in paths:
            response = page.goto(live.url + path)
            where = f"{who or 'visitor'} {path}"
            if response is None or response.status >= 400:
                problems.append(f"{where}: status {response and response.status}")
                continue
            # A certificate is printed in the language its holder asked for it in (decision 44).
            if page.locator("html").get_attribute("lang") != "en" and "/certificates/" not in path:
                problems.append(f"{where}: not in English")
            problems.extend(f"{where}: {leak}" for leak in page.evaluate(LEAKS))
        if who in ("", "workgroup-tehran"):  # a public page, and the one with most date inputs
            page.screenshot(path=str(ARTIFACTS / f"english-{who or 'visitor'}.png"))
        context.close()
    assert not problems, "\n".join(problems)
