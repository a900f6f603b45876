"""/api/v1/agencies/ and /api/v1/services/: the catalogue the pages show, with its fees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pishkhan.catalog.fees import fee_schedule
from pishkhan.catalog.models import Agency, Channel, Fee, FeeKind, Service

pytestmark = pytest.mark.django_db

SERVICES = "/api/v1/services/"


def error(response):
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_agencies_are_those_with_active_services_and_their_counts(client):
    answer = client.get("/api/v1/agencies/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    counts = {a["code"]: a["service_count"] for a in answer.json()}
    nocr = Agency.objects.get(code="nocr")
    assert counts["nocr"] == Service.objects.filter(agency=nocr, is_active=True).count() > 0
    assert set(counts) == set(
        Agency.objects.filter(is_active=True, services__is_active=True).values_list(
            "code", flat=True
        )
    )


def test_the_services_list_pages_through_every_active_service(client):
    active = set(Service.objects.filter(is_active=True).values_list("code", flat=True))
    seen, url = [], f"{SERVICES}?limit=7"
    while url:
        page = client.get(url).json()
        assert page["count"] == len(active)
        seen += [service["code"] for service in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(active) and len(seen) == len(set(seen))


def test_a_service_in_the_list_carries_its_channels_and_fees_as_the_page_shows_them(client):
    service = Service.objects.get(code="nocr-birth-certificate-duplicate")
    results = client.get(f"{SERVICES}?agency=nocr&limit=200").json()["results"]
    listed = next(r for r in results if r["code"] == service.code)
    assert listed["agency"] == {
        "code": "nocr",
        "name_fa": service.agency.name_fa,
        "name_en": service.agency.name_en,
    }
    assert listed["page"] == f"/services/{service.code}/"
    expected = fee_schedule(service, Channel.OFFICE)
    office = next(f for f in listed["fees"] if f["channel"] == "office")
    assert office["total_rials"] == expected.total_rials > 0
    assert [
        (line["code"], line["amount_rials"], line["is_maximum"]) for line in office["lines"]
    ] == [(line.code, line.amount_rials, line.is_maximum) for line in expected.lines]
    # The Budget Law's figure for a duplicate birth certificate (issue 2).
    assert office["lines"][0] == {
        "code": "government",
        "label": "تعرفه دولتی",
        "amount_rials": 300_000,
        "is_maximum": False,
        "is_assessed": False,
    }


def test_online_fees_have_no_office_fee_and_free_services_say_so(client):
    free = Service.objects.filter(offered_online=True, offered_at_office=False, is_active=True)
    code = free.filter(agency__code="moe").first().code
    detail = client.get(f"{SERVICES}{code}/").json()
    assert detail["channels"] == ["online"]
    [online] = detail["fees"]
    assert [line["code"] for line in online["lines"]] == ["government"]
    assert online["is_free"] is True and online["total_rials"] == 0


def test_filters_by_agency_channel_and_search_as_the_site_does(client):
    def codes(query):
        answer = client.get(f"{SERVICES}?limit=200&{query}")
        assert answer.status_code == 200, answer.content
        return {r["code"] for r in answer.json()["results"]}

    online = codes("channel=online")
    assert online == set(
        Service.objects.filter(is_active=True, offered_online=True).values_list("code", flat=True)
    )
    assert codes("agency=gas") == set(
        Service.objects.filter(is_active=True, agency__code="gas").values_list("code", flat=True)
    )
    assert codes("agency=no-such-agency") == set()
    # Arabic ي and Persian ی find the same service (the catalogue's normalised search).
    assert "nocr-national-id-card-duplicate" in codes("q=کارت ملي")
    assert codes("q=کارت ملي") == codes("q=کارت ملی")


def test_the_detail_has_documents_fields_and_descriptions(client):
    service = Service.objects.get(code="nocr-birth-certificate-duplicate")
    detail = client.get(f"{SERVICES}{service.code}/").json()
    assert detail["description_fa"] == service.description_fa
    assert [d["name_fa"] for d in detail["documents"]] == [
        d.name_fa for d in service.documents.all()
    ]
    assert [f["key"] for f in detail["fields"]] == [f.key for f in service.fields.all()]
    field = detail["fields"][0]
    assert set(field) >= {"kind", "label_fa", "label_en", "is_required", "choices"}


def test_fees_on_a_past_day_are_those_in_force_then(client):
    service = Service.objects.get(code="nocr-birth-certificate-duplicate")
    today = timezone.localdate()
    Fee.objects.create(
        service=service,
        kind=FeeKind.GOVERNMENT,
        amount_rials=450_000,
        effective_from=today + dt.timedelta(days=10),
    )

    def government(on):
        answer = client.get(f"{SERVICES}{service.code}/?on={on.isoformat()}").json()
        return answer["fees"][0]["lines"][0]["amount_rials"]

    assert government(today) == 300_000
    assert government(today + dt.timedelta(days=10)) == 450_000


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("channel=fax", "channel"),
        ("on=yesterday", "on"),
        ("on=1405-01-01", "on"),  # a Jalali date given as if Gregorian
        ("on=2026-02-30", "on"),
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("q=" + "x" * 101, "q"),
    ],
)
def test_bad_parameters_are_refused_by_name_in_persian(client, query, field):
    answer = client.get(f"{SERVICES}?{query}")
    assert answer.status_code == 400
    body = error(answer)
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert any("\u0600" <= ch <= "\u06ff" for ch in body["fields"][field][0])
    if field in ("limit", "offset"):  # the least it takes, in Persian digits
        assert not any(ch.isascii() and ch.isdigit() for ch in body["fields"][field][0])


def test_an_unknown_or_inactive_service_is_a_json_404(client):
    body = error(client.get(f"{SERVICES}no-such-service/"))
    assert body["code"] == "not_found" and body["message"]
    Service.objects.filter(code="nocr-birth-certificate-duplicate").update(is_active=False)
    answer = client.get(f"{SERVICES}nocr-birth-certificate-duplicate/")
    assert answer.status_code == 404 and error(answer)["code"] == "not_found"


def test_the_list_costs_the_same_queries_for_any_page_size(client):
    def queries(limit):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{SERVICES}?limit={limit}").status_code == 200
        return len(captured)

    client.get(SERVICES)  # the process's first answer reads the VAT rates once (kept)
    # count, page, fees (prefetched): no query per service.
    assert queries(2) == queries(40) == 3
