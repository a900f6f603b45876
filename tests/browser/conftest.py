"""Browser tests: Playwright driving Debian's Chromium against the real app in a real server.

The server is what production runs — gunicorn, DEBUG off, collected static files served by
WhiteNoise — on a database of its own (a SQLite file, or a fresh PostgreSQL database in the
PostgreSQL pass), prepared with ``pishkhan migrate`` and ``pishkhan demo`` like ``make run``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/lib/chromium/chromium"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    # Keep browser tests on one xdist worker, so one server and one browser serve them all.
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_database(tmp: Path) -> tuple[str, object]:
    """A database for the server alone; returns its URL and a clean-up function."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'e2e.sqlite3'}", lambda: None
    import psycopg

    name = f"pishkhan_e2e_{os.getpid()}"
    admin_url = url
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    parsed = urlparse(url)

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunparse(parsed._replace(path=f"/{name}")), drop


@pytest.fixture(scope="session")
def chromium_path() -> str:
    wanted = os.environ.get("PISHKHAN_CHROMIUM")
    for candidate in [wanted] if wanted else CHROMIUM_CANDIDATES:
        if candidate and Path(candidate).exists():
            return candidate
    skip_or_fail("Chromium is not installed (apt-get install chromium)")
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str

    def fetch_one(self, query: str, params: tuple[object, ...]) -> tuple[object, ...] | None:
        """The first row of a query (``%s`` placeholders) on the server's database."""
        if self.database_url.startswith("sqlite"):
            import sqlite3

            with sqlite3.connect(self.database_url.removeprefix("sqlite:///")) as conn:
                return conn.execute(query.replace("%s", "?"), params).fetchone()
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return conn.execute(query, params).fetchone()

    def latest_sms(self, recipient: str) -> str:
        """The newest outbox message to a mobile: what the citizen's phone would show."""
        row = self.fetch_one(
            "SELECT body FROM notify_outboxmessage WHERE recipient = %s ORDER BY id DESC LIMIT 1",
            (recipient,),
        )
        return str(row[0]) if row else ""

    def register_identity(self, national_code: str, mobile: str, first: str, last: str) -> None:
        """A person the server's identity registry knows (a new operator must be one)."""
        query = (
            "INSERT INTO accounts_identityrecord (national_code, first_name, last_name, "
            "father_name, mobile) VALUES (%s, %s, %s, '', %s)"
        )
        params = (national_code, first, last, mobile)
        if self.database_url.startswith("sqlite"):
            import sqlite3

            with sqlite3.connect(self.database_url.removeprefix("sqlite:///")) as conn:
                conn.execute(query.replace("%s", "?"), params)
        else:
            import psycopg

            with psycopg.connect(self.database_url) as conn:
                conn.execute(query, params)


@pytest.fixture(scope="session")
def server_url(live_server_process) -> str:
    return live_server_process.url


@pytest.fixture(scope="session")
def live_server_process(tmp_path_factory, chromium_path) -> LiveServer:
    tmp = tmp_path_factory.mktemp("e2e")
    database_url, drop_database = _server_database(tmp)
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "browser-test-secret-key",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "0",
        # The demo's switch: staff sign in with a password alone (the second factor has its
        # own tests).
        "PISHKHAN_STAFF_OTP": "0",
        "MEDIA_ROOT": str(tmp / "media"),
        "DATABASE_URL": database_url,
        "PISHKHAN_VAR_DIR": str(tmp),
        "STATIC_ROOT": str(tmp / "static"),
        # Links sent by SMS point at this server.
        "PISHKHAN_SITE_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("REDIS_URL", None)
    pishkhan = [sys.executable, "-m", "pishkhan.cli"]
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["demo", "--quiet-logins"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run([*pishkhan, *command], env=env, check=True, cwd=ROOT, timeout=300)
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "pishkhan.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "2",
            "--access-logfile",
            "-",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/healthz/", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError((tmp / "server.log").read_text()) from None
            time.sleep(0.2)
    yield LiveServer(url, database_url)
    server.terminate()
    server.wait(timeout=20)
    log.close()
    drop_database()


@pytest.fixture(scope="session", autouse=True)
def _patient_expectations():
    """CI runs these tests beside the rest of the suite on two cores, where a submission with its
    uploads and the page after it may take longer than Playwright's default 5 s; a real failure
    still fails, later."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)


# What the browser refused under the site's Content-Security-Policy (decision 56) during the
# current test: every journey doubles as a check that no page needs an inline script, a script
# from elsewhere or anything else the policy refuses. The API reference's Redoc asks for its
# vendor's logo from a CDN, which the policy refuses on purpose (decision 51).
POLICY_REFUSALS: list[str] = []


def _watch_policy(page) -> None:
    def note(message) -> None:
        text = message.text
        if "Content Security Policy" in text and "cdn.redoc.ly" not in text:
            POLICY_REFUSALS.append(f"{page.url}: {text}")

    page.on("console", note)


@pytest.fixture(autouse=True)
def _nothing_refused_by_the_policy():
    POLICY_REFUSALS.clear()
    yield
    assert not POLICY_REFUSALS, "Refused by the Content-Security-Policy:\n" + "\n".join(
        POLICY_REFUSALS
    )


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        # A step that cannot be undone asks "Go ahead?" (static/js/pishkhan.js); the journeys
        # answer yes, as their user would. Playwright would otherwise answer no.
        new_context = browser.new_context

        def answering_yes(*args, answer_dialogs=True, **kwargs):
            context = new_context(*args, **kwargs)
            context.on("page", _watch_policy)
            if answer_dialogs:
                context.on("page", lambda page: page.on("dialog", lambda dialog: dialog.accept()))
            return context

        browser.new_context = answering_yes
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    # English browser locale on purpose: the site must still answer in Persian.
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    name = request.node.name.replace("/", "_")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def sign_in(page, server_url: str, username: str) -> None:
    from pishkhan.core.demo import DEMO_PASSWORD

    page.goto(server_url + "/accounts/login/")
    page.get_by_label("نام کاربری").fill(username)
    page.get_by_label("گذرواژه").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ورود", exact=True).click()


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violation on the current page."""
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
    # govern; a <script> tag with axe inline would be refused by it, as it should be.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, "\n".join(bad)
