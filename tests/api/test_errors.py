"""Every error the API gives has one shape, {"error": {"code", "message", "fields"}}: DRF's
own, an unknown address under /api/, and a fault of ours."""

from __future__ import annotations

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()  # the look-ups' per-minute counters, which other tests may have used up


def test_an_unknown_address_under_api_is_a_json_404_and_elsewhere_the_page(client):
    answer = client.get("/api/v2/nothing/")
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"
    assert answer.json() == {
        "error": {"code": "not_found", "message": "در این نشانی چیزی پیدا نشد.", "fields": {}}
    }
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_fault_of_ours_is_a_json_500_that_says_nothing_of_it(client, monkeypatch):
    from pishkhan.api import views

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail of the fault")

    from pishkhan.cases.models import ServiceRequest

    filed = ServiceRequest.objects.select_related("citizen").first()
    monkeypatch.setattr(views.case_selectors, "track", broken)
    client.raise_request_exception = False
    answer = client.post(
        "/api/v1/track/",
        {"tracking_code": filed.tracking_code, "national_code": filed.citizen.national_code},
        content_type="application/json",
    )
    assert answer.status_code == 500
    body = answer.json()
    assert body["error"]["code"] == "server_error" and body["error"]["fields"] == {}
    assert "secret" not in answer.content.decode()


def test_a_wrong_method_on_a_read_only_address(client):
    answer = client.delete("/api/v1/services/")
    assert answer.status_code == 405
    assert answer.json()["error"]["code"] == "method_not_allowed"
    assert "DELETE" in answer.json()["error"]["message"]


def test_what_django_refuses_before_any_view_is_json_too(client, settings):
    client.raise_request_exception = False
    big = '{"tracking_code": "' + "1" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + '"}'
    answer = client.post("/api/v1/track/", big, content_type="application/json")
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_large"
    stranger = client.get("/api/v1/services/", HTTP_HOST="evil.example")
    assert stranger.status_code == 400
    assert stranger.json()["error"]["code"] == "bad_request"
    page = client.get("/services/", HTTP_HOST="evil.example")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


def test_a_nul_character_in_a_path_is_a_404_not_a_database_error(client):
    # PostgreSQL refuses NUL in text: this was a 500 there (tests/test_urls_junk.py walks all).
    client.raise_request_exception = False
    answer = client.get("/api/v1/verify/AB%00CD/")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert client.get("/services/a%00b/").status_code == 404


def test_a_nul_character_in_the_query_is_a_400(client):
    client.raise_request_exception = False
    answer = client.get("/api/v1/services/?q=a%00b")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_request"
    page = client.get("/services/?q=a%00b")
    assert page.status_code == 400 and "این نشانی خوانده نشد" in page.content.decode()


def test_an_unknown_address_under_api_is_json_with_debug_on_too(client, settings):
    # With DEBUG, Django answers its own HTML page instead of handler404; the API's last
    # address answers the JSON 404 itself.
    settings.DEBUG = True
    for path in ("/api/v1/nothing/", "/api/v1/agency/requests/x/documents/abc/", "/api/"):
        answer = client.get(path)
        assert answer.status_code == 404 and answer["Content-Type"] == "application/json", path
        assert answer.json()["error"]["code"] == "not_found"
    # An address without its final slash is still sent to it (APPEND_SLASH), query and all.
    moved = client.get("/api/v1/services?agency=nocr")
    assert moved.status_code == 301 and moved["Location"] == "/api/v1/services/?agency=nocr"
    assert client.get("/api/v1/nothing").status_code == 404


def test_unknown_parameters_of_public_addresses_are_named(client):
    got = client.get("/api/v1/services/?page=2&agency=nocr")
    assert got.status_code == 400 and set(got.json()["error"]["fields"]) == {"page"}
    assert client.get("/api/v1/agencies/?limit=5").status_code == 400
    assert client.get("/api/v1/services/?limit=5&offset=5&on=2026-03-21").status_code == 200


def test_drf_messages_read_in_good_persian(client):
    null = client.post(
        "/api/v1/track/",
        {"tracking_code": None, "national_code": "9990000018"},
        content_type="application/json",
    ).json()["error"]
    assert null["fields"] == {"tracking_code": ["این فیلد نباید تهی (null) باشد؛ مقداری بفرستید."]}
    long = client.post(
        "/api/v1/track/",
        {"tracking_code": "1" * 41, "national_code": "9990000018"},
        content_type="application/json",
    ).json()["error"]
    (message,) = long["fields"]["tracking_code"]
    assert "۴۰" in message and "40" not in message
    client.cookies["pishkhan_language"] = "en"
    english = client.post(
        "/api/v1/track/",
        {"tracking_code": "1" * 41, "national_code": "9990000018"},
        content_type="application/json",
    ).json()["error"]
    assert "40" in english["fields"]["tracking_code"][0]
