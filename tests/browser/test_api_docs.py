"""The API's reference pages work with no network beyond this server: Chromium opens them with
every request to another host aborted, and sees the API's operations listed (decision 51). The
server is the production setup (DEBUG off, collected static files served by WhiteNoise)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


@pytest.fixture
def offline_page(page, server_url):
    """The page, cut off from everything but the live server; what it tried to reach elsewhere
    is kept, so a page that only degrades quietly without a CDN still fails."""
    elsewhere: list[str] = []
    refused: list[str] = []

    def only_this_server(route) -> None:
        url = route.request.url
        if url.startswith(server_url + "/") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort()

    def policy_violation(message) -> None:
        # The page's Content-Security-Policy (api.docs.POLICY) refusing something: allowed
        # only for Redoc's "API docs by Redocly" logo, which Redoc hides when it fails.
        text = message.text
        if "Content Security Policy" in text and "cdn.redoc.ly/redoc/logo-mini.svg" not in text:
            refused.append(text)

    page.context.route("**/*", only_this_server)
    page.on("console", policy_violation)
    yield page
    assert elsewhere == [], f"the page asked other hosts: {elsewhere}"
    assert refused == [], f"the page's policy refused what it needs: {refused}"


def test_the_reference_lists_the_apis_operations_offline(offline_page, server_url):
    page = offline_page
    page.goto(server_url + "/api/docs/")
    # The schema's description, in Persian then English, and the operations from it.
    expect(page.get_by_text("سه بخش دارد")).to_be_visible()
    expect(page.get_by_text("It has three parts")).to_be_visible()
    expect(page.get_by_role("heading", name="Agencies with active services")).to_be_visible()
    expect(page.get_by_role("menuitem", name="agency")).to_be_visible()
    for path in ("/api/v1/services/", "/api/v1/agency/requests/", "/api/v1/office/requests/"):
        expect(page.get_by_text(path, exact=True).first).to_be_attached()
    # Served by this server's production static setup: hashed by the manifest, compressed.
    bundle = page.locator("script[src*='redoc.standalone']").get_attribute("src")
    assert re.search(r"redoc\.standalone\.[0-9a-f]{12}\.js$", bundle), bundle


def test_the_console_tries_a_call_against_this_server_offline(offline_page, server_url):
    page = offline_page
    page.goto(server_url + "/api/swagger/")
    operation = page.locator(".opblock", has_text="/api/v1/agencies/").first
    expect(operation).to_be_visible()
    expect(page.locator(".opblock", has_text="/api/v1/agency/requests/").first).to_be_visible()
    # Try a call: the console's request keeps to the API's rules (no stray parameter, 400).
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_have_text("200")
