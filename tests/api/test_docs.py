"""The API's reference pages, /api/docs/ (Redoc) and /api/swagger/ (Swagger UI), load every file
from this server (drf-spectacular-sidecar), never from a CDN, and run no inline script
(decision 51). tests/browser/test_api_docs.py opens them in Chromium with every other host cut
off, against the production setup (DEBUG off, collected static files)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

PAGES = ("/api/docs/", "/api/swagger/")


class _Page(HTMLParser):
    """Every address a page refers to (src, href), and the bodies of its script elements."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href", "spec-url"):
            if found.get(name):
                self.addresses.append(str(found[name]))
        if tag == "script":
            self.scripts.append(found)
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def _read(client, path: str) -> _Page:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/html")
    page = _Page()
    page.feed(answer.content.decode())
    return page


def _static_file(address: str) -> str | None:
    assert address.startswith(settings.STATIC_URL), address
    return finders.find(address.removeprefix(settings.STATIC_URL))


def test_the_reference_loads_redoc_from_this_server(client):
    page = _read(client, "/api/docs/")
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in page.addresses
    assert "/api/schema/" in page.addresses  # Redoc's spec-url


def test_the_console_loads_swagger_ui_from_this_server(client):
    page = _read(client, "/api/swagger/")
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert f"/static/drf_spectacular_sidecar/swagger-ui-dist/{name}" in page.addresses


@pytest.mark.parametrize("path", PAGES)
def test_no_page_names_another_host_and_every_file_it_loads_is_ours(client, path):
    answer = client.get(path)
    text = answer.content.decode()
    # Not a CDN, not Google Fonts (drf-spectacular's own Redoc page loads those), no host at all.
    assert "http:" not in text and "https:" not in text and "//" not in text.replace("<!--", "")
    page = _Page()
    page.feed(text)
    for address in page.addresses:
        assert address.startswith("/"), address
        if address.startswith(settings.STATIC_URL):
            assert _static_file(address), f"{address} is not among the static files"
        else:
            assert client.get(address).status_code == 200, address


@pytest.mark.parametrize("path", PAGES)
def test_no_page_runs_an_inline_script(client, path):
    """Both pages work under a Content-Security-Policy without 'unsafe-inline' for scripts:
    Redoc reads its options from its element's attributes, Swagger UI's start-up script is
    served from the page's own address (drf-spectacular's split view)."""
    page = _read(client, path)
    assert page.scripts and all(script.get("src") for script in page.scripts)
    assert page.inline_scripts == []


def test_the_consoles_start_up_script_reads_the_schema_and_no_validator(client):
    page = _read(client, "/api/swagger/")
    script = next(s["src"] for s in page.scripts if s["src"].startswith("/api/swagger/"))
    answer = client.get(script)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/javascript")
    body = answer.content.decode()
    assert 'url: "/api/schema/"' in body
    # Swagger UI would otherwise send the schema's address to validator.swagger.io.
    assert '"validatorUrl": null' in body


@pytest.mark.parametrize("accept", ["*/*", "application/json, application/yaml"])
def test_the_schema_the_pages_ask_for_is_answered(client, accept):
    """Redoc asks with */* (YAML), Swagger UI for JSON or YAML; the API's own rules (an unknown
    query parameter is a 400, decision 48) are those of /api/v1/ and leave both alone."""
    answer = client.get("/api/schema/", HTTP_ACCEPT=accept)
    assert answer.status_code == 200
    assert b"/api/v1/services/" in answer.content


def test_the_schema_describes_the_api_in_persian_then_english(client):
    info = client.get("/api/schema/?format=json").json()["info"]
    assert info["title"] == "Pishkhan API"
    description = info["description"]
    assert description.index('<div dir="rtl" lang="fa">') < description.index("three parts")
    for address in ("/api/v1/services/", "/api/v1/agency/", "/api/v1/office/", "/api/docs/"):
        assert address in description


@pytest.mark.parametrize("path", PAGES)
def test_a_pages_errors_are_the_apis_json(client, path):
    answer = client.post(path)
    assert answer.status_code == 405
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["error"]["code"] == "method_not_allowed"
    answer = client.get(path, HTTP_ACCEPT="application/json")
    assert answer.status_code == 406
    assert answer.json()["error"]["code"] == "not_acceptable"


def test_the_sites_footer_points_developers_to_the_reference(client):
    assert b'href="/api/docs/"' in client.get("/").content


def test_no_operation_is_described_by_a_docstring_meant_for_us(client):
    """A view without a docstring of its own was described by its KnownParameters mixin's
    ("Refuses a query parameter …(decision 48)… Checked after the token"), a note for this
    project's developers, on six operations of /api/docs/."""
    from pishkhan.api.views import KnownParameters

    paths = client.get("/api/schema/?format=json").json()["paths"]
    described = {
        f"{method.upper()} {path}": operation.get("description", "")
        for path, operations in paths.items()
        for method, operation in operations.items()
    }
    mixin = KnownParameters.__doc__.split()[0:4]
    assert [op for op, text in described.items() if text.split()[0:4] == mixin] == []
    assert [op for op, text in described.items() if re.search(r"decision \d", text)] == []


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_policy_lets_the_browser_load_only_from_this_server(client, path):
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in client.get(path)["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert all("http" not in sources and "*" not in sources for sources in policy.values())
