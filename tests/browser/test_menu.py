"""The main menu stays one row at every width where it is unfolded, in both languages, for the
roles with the most links: no label breaks over two lines and nothing scrolls sideways; below
that it folds into its toggler (base.html)."""

from .conftest import ARTIFACTS, sign_in

# Each role's longest menu; the regulator's has eight links.
ROLES = ("regulator", "agencyadmin-nocr", "manager-1001", "admin")
WIDTHS = (1920, 1366, 1280, 1200, 1024, 992, 800)

MEASURE = """() => {
  const bar = document.querySelector('.site-header nav');
  const links = [...document.querySelectorAll('.site-header .nav-link, .site-header .navbar-text')]
    .filter((el) => el.offsetParent !== null);
  // The lines a label's text takes: the distinct tops of its text's boxes.
  const lines = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  };
  return {
    barHeight: bar.getBoundingClientRect().height,
    broken: links.filter((el) => lines(el) > 1).map((el) => el.textContent.trim()),
    sideways: document.documentElement.scrollWidth - window.innerWidth,
    folded: getComputedStyle(document.querySelector('.navbar-toggler')).display !== 'none',
  };
}"""


def test_the_menu_is_one_row_or_folded(browser, server_url):
    problems = []
    for language in ("fa", "en"):
        for who in ROLES:
            context = browser.new_context(viewport={"width": 1366, "height": 700})
            context.add_cookies(
                [{"name": "pishkhan_language", "value": language, "url": server_url}]
            )
            page = context.new_page()
            (sign_in if language == "fa" else _sign_in_en)(page, server_url, who)
            page.goto(server_url + "/")
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 700})
                found = page.evaluate(MEASURE)
                where = f"{who} {language} {width}px"
                if found["broken"]:
                    problems.append(f"{where}: labels over two lines: {found['broken']}")
                if found["sideways"] > 0:
                    problems.append(f"{where}: scrolls sideways by {found['sideways']}px")
                if found["barHeight"] > 70:  # one row is 62 px
                    problems.append(f"{where}: the bar is {found['barHeight']}px high")
                if width >= 1200 and found["folded"]:
                    problems.append(f"{where}: folded on a wide screen")
            page.set_viewport_size({"width": 1366, "height": 700})
            page.screenshot(path=str(ARTIFACTS / f"menu-{who}-{language}-1366.png"))
            context.close()
    assert not problems, "\n".join(problems)


def _sign_in_en(page, server_url: str, username: str) -> None:
    from pishkhan.core.demo import DEMO_PASSWORD

    page.goto(server_url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
