"""POST /api/v1/track/: the tracking page's answer, for programs, under the page's rules."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.selectors import track

pytestmark = pytest.mark.django_db

TRACK = "/api/v1/track/"
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()  # the per-minute counters
    yield
    cache.clear()


@pytest.fixture
def filed() -> ServiceRequest:
    return ServiceRequest.objects.select_related("citizen").get(
        idempotency_key="demo-office-submitted"
    )


def error(response):
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_the_answer_is_the_pages_with_state_keys_and_no_personal_data(client, filed):
    answer = client.post(
        TRACK,
        {"tracking_code": filed.tracking_code, "national_code": filed.citizen.national_code},
        content_type="application/json",
    )
    assert answer.status_code == 200
    body = answer.json()
    page = track(filed.tracking_code, filed.citizen.national_code)
    assert body["tracking_code"] == filed.tracking_code
    assert body["state"] == filed.status and body["state_label"] == page.state_label
    assert body["service_name"] == filed.service.name_fa
    assert body["sla_due_on"] == filed.sla_due_on.isoformat()
    assert [step["state"] for step in body["timeline"]] == [e.state for e in page.timeline]
    assert body["timeline"][0]["state"] == "submitted"
    text = answer.content.decode()
    for private in (filed.citizen.national_code, filed.citizen.mobile, filed.citizen.last_name):
        assert private not in text


def test_codes_typed_with_persian_digits_spaces_and_dashes_are_understood(client, filed):
    code = filed.tracking_code
    typed = f"{code[:4]}-{code[4:8]} {code[8:]}".translate(PERSIAN_DIGITS)
    answer = client.post(
        TRACK,
        {
            "tracking_code": typed,
            "national_code": filed.citizen.national_code.translate(PERSIAN_DIGITS),
        },
    )  # a form body works as JSON does
    assert answer.status_code == 200, answer.content


def test_a_wrong_national_code_and_an_unknown_code_get_the_same_404(client, filed):
    other = ServiceRequest.objects.exclude(citizen=filed.citizen).select_related("citizen").first()
    wrong = client.post(
        TRACK,
        {"tracking_code": filed.tracking_code, "national_code": other.citizen.national_code},
        content_type="application/json",
    )
    unknown_code = "100000000000"
    while ServiceRequest.objects.filter(tracking_code=unknown_code).exists():  # pragma: no cover
        unknown_code = str(int(unknown_code) + 1)
    from pishkhan.core.identifiers import damm_check_digit

    unknown_code = unknown_code[:11] + str(damm_check_digit(unknown_code[:11]))
    unknown = client.post(
        TRACK,
        {"tracking_code": unknown_code, "national_code": filed.citizen.national_code},
        content_type="application/json",
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert error(wrong)["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {"tracking_code": "12", "national_code": "0000000000"},
            {"tracking_code", "national_code"},
        ),
        ({"national_code": "0084575948"}, {"tracking_code"}),
        ({"tracking_code": ["1"], "national_code": {"a": 1}}, {"tracking_code", "national_code"}),
        ({"tracking_code": None, "national_code": True}, {"tracking_code", "national_code"}),
    ],
)
def test_malformed_fields_are_named_with_persian_messages(client, body, fields):
    answer = client.post(TRACK, body, content_type="application/json")
    assert answer.status_code == 400
    got = error(answer)
    assert got["code"] == "invalid" and set(got["fields"]) == fields
    for messages in got["fields"].values():
        assert any("\u0600" <= ch <= "\u06ff" for ch in messages[0])


def test_a_typo_in_the_check_digit_is_named_as_on_the_page(client, filed):
    code = filed.tracking_code
    typo = code[:11] + str((int(code[11]) + 1) % 10)
    got = error(
        client.post(
            TRACK,
            {"tracking_code": typo, "national_code": filed.citizen.national_code},
            content_type="application/json",
        )
    )
    assert "رقم آخر" in got["fields"]["tracking_code"][0]


@pytest.mark.parametrize(
    ("payload", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "malformed"),
        ("[1, 2]", "application/json", 400, "invalid"),
        ("tracking_code", "text/plain", 415, "unsupported_media_type"),
    ],
)
def test_a_body_that_is_not_an_object_is_refused_clearly(
    client, payload, content_type, status, code
):
    answer = client.post(TRACK, payload, content_type=content_type)
    assert answer.status_code == status
    assert error(answer)["code"] == code


def test_get_is_a_json_405(client):
    answer = client.get(TRACK)
    assert answer.status_code == 405
    assert error(answer)["code"] == "method_not_allowed"


def test_look_ups_share_the_pages_per_minute_limit(client, settings, filed):
    settings.PISHKHAN_TRACK_PER_MINUTE = 3
    body = {"tracking_code": filed.tracking_code, "national_code": filed.citizen.national_code}
    assert client.post("/track/", body).status_code == 200  # the page counts too
    for _ in range(2):
        assert client.post(TRACK, body, content_type="application/json").status_code == 200
    answer = client.post(TRACK, body, content_type="application/json")
    assert answer.status_code == 429
    got = error(answer)
    assert got["code"] == "rate_limited" and "دقیقه" in got["message"]


def test_english_is_answered_to_who_chose_it(client, filed, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    answer = client.post(
        TRACK,
        {"tracking_code": filed.tracking_code, "national_code": filed.citizen.national_code},
        content_type="application/json",
    )
    assert answer.json()["service_name"] == filed.service.name_en
    assert answer["Content-Language"] == "en"
