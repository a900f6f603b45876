"""The htmx look-up checks the two codes without building the form (cases.views.public): it must
accept exactly what the form accepts, as the form cleans it, and answer word for word as the
template rendered the usual way."""

from __future__ import annotations

import uuid

import pytest
from django.http import QueryDict
from django.shortcuts import render
from django.test import RequestFactory
from django.urls import reverse

from pishkhan.cases.forms import TrackForm
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.selectors import track
from pishkhan.cases.views.public import well_formed_codes
from pishkhan.core.identifiers import damm_check_digit

GOOD_CODE = "12345678901" + str(damm_check_digit("12345678901"))
GOOD_NATIONAL = "0499370899"
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

CODES = [
    GOOD_CODE,
    GOOD_CODE.translate(PERSIAN),
    GOOD_CODE.translate(ARABIC),
    f"  {GOOD_CODE}  ",
    f"{GOOD_CODE[:4]}-{GOOD_CODE[4:8]}-{GOOD_CODE[8:]}",
    f"{GOOD_CODE[:6]} {GOOD_CODE[6:]}",
    GOOD_CODE[:-1] + str((int(GOOD_CODE[-1]) + 1) % 10),  # a typo
    GOOD_CODE[:-1],
    GOOD_CODE + "0",
    "",
    "   ",
    "1",
    "x" * 12,
    "1-2-3-4-5-6-7-8-9-0-1-2-3",
    GOOD_CODE.replace("1", "¹", 1),
    GOOD_CODE.replace("2", "२", 1),
    GOOD_CODE + "\x00",
    "-" * 25 + GOOD_CODE,
]
NATIONALS = [
    GOOD_NATIONAL,
    GOOD_NATIONAL.translate(PERSIAN),
    f" {GOOD_NATIONAL} ",
    "049-937089-9",
    "0 4 9 9 3 7 0 8 9 9 " * 1 + " " * 15,
    "499370899",  # nine digits: a dropped leading zero
    "0499370898",  # check digit wrong
    "1111111111",
    "",
    "abc",
    "04993708999",
    GOOD_NATIONAL + "\x00",
]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("national", NATIONALS)
def test_the_quick_check_agrees_with_the_form(code, national):
    data = QueryDict(mutable=True)
    data["tracking_code"] = code
    data["national_code"] = national
    form = TrackForm(data=data)
    quick = well_formed_codes(data)
    if quick is None:
        return  # the form decides, and says why
    assert form.is_valid(), form.errors
    assert quick == (form.cleaned_data["tracking_code"], form.cleaned_data["national_code"])


def test_a_missing_field_goes_the_form_s_way():
    assert well_formed_codes(QueryDict("tracking_code=" + GOOD_CODE)) is None
    assert well_formed_codes(QueryDict("")) is None


@pytest.mark.django_db
def test_the_answer_is_the_template_s_as_rendered_the_usual_way(client, settings):
    request = ServiceRequest.objects.select_related("citizen").get(
        idempotency_key="demo-office-approved"
    )
    data = {"tracking_code": request.tracking_code, "national_code": request.citizen.national_code}
    htmx = {"HX-Request": "true", "HX-Target": "track-answer"}
    fast = client.post(reverse("cases:track"), data, headers=htmx)
    usual = render(
        RequestFactory().post("/track/"),
        "cases/_track_answer.html",
        {"answer": track(data["tracking_code"], data["national_code"])},
    )
    assert fast.status_code == 200
    assert fast.content == usual.content
    assert fast["Content-Type"] == usual["Content-Type"]
    nobody = client.post(
        reverse("cases:track"), {**data, "national_code": GOOD_NATIONAL}, headers=htmx
    )
    usual = render(
        RequestFactory().post("/track/"), "cases/_track_answer.html", {"not_found": True}
    )
    assert nobody.status_code == 404 and nobody.content == usual.content
    # In English too (the language cookie).
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.post(reverse("cases:track"), data, headers=htmx).content.decode()
    assert "Tracking code" in english and "History" in english


@pytest.mark.django_db
def test_the_htmx_look_up_is_rate_limited_too(client, settings):
    settings.PISHKHAN_TRACK_PER_MINUTE = 1
    htmx = {"HX-Request": "true", "HX-Target": "track-answer"}
    data = {"tracking_code": GOOD_CODE, "national_code": GOOD_NATIONAL}
    address = {"REMOTE_ADDR": f"test-{uuid.uuid4().hex}"}  # a client of its own: its own count
    assert client.post(reverse("cases:track"), data, headers=htmx, **address).status_code == 404
    limited = client.post(reverse("cases:track"), data, headers=htmx, **address)
    assert limited.status_code == 429 and "یک دقیقه" in limited.content.decode()
    assert limited.content.decode().lstrip().startswith('<div class="alert alert-warning">')
