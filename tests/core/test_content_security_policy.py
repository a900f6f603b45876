"""The site's Content-Security-Policy (decision 56): every HTML page carries it, and no template
needs what it refuses (the browser journeys check the pages themselves, tests/browser/conftest)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from pishkhan.core.middleware import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "pishkhan"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def test_every_html_page_carries_the_policy(client):
    for url in ("/", reverse("catalog:service_list"), "/no-such-page/", "/accounts/login/"):
        response = client.get(url)
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY.split("script-src")[1].split(";")[0]


def test_the_api_reference_keeps_its_own_stricter_policy(client):
    policy = client.get("/api/docs/")["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'") and policy != CONTENT_SECURITY_POLICY


def test_json_is_left_as_it_is(client):
    assert "Content-Security-Policy" not in client.get("/api/v1/services/")


def test_no_template_has_an_inline_script_or_an_event_attribute():
    offenders = []
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, EVENT_ATTRIBUTE):
            offenders += [
                f"{template.relative_to(SRC)}: {m.group(0)}" for m in pattern.finditer(text)
            ]
    assert not offenders, offenders


def test_the_scan_finds_what_it_is_for():
    assert INLINE_SCRIPT.search("<p>x</p><script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/pishkhan.js" defer></script>')
    assert EVENT_ATTRIBUTE.search('<button type="button" onclick="window.print()">')
    assert not EVENT_ATTRIBUTE.search('<button type="button" data-print>')
