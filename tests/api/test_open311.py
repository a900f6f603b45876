"""Open311 GeoReport v2: the catalogue for anyone, requests for API clients within their scope,
in XML and JSON, errors in the standard's shape."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pishkhan.accounts.models import User
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.services import transition
from pishkhan.catalog.models import FieldKind, Service
from tests.api.test_agency import create
from tests.api.test_webhooks import file_at

pytestmark = pytest.mark.django_db

V2 = "/open311/v2"


def xml_of(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def errors_of(response, status: int, fmt: str = "json") -> str:
    assert response.status_code == status, response.content
    if fmt == "json":
        (body,) = response.json()
        assert set(body) == {"code", "description"} and body["code"] == status
        return body["description"]
    root = xml_of(response)
    assert root.tag == "errors" and root.find("error/code").text == str(status)
    return root.find("error/description").text


@pytest.fixture
def key() -> str:
    return create("NOCR Tehran back office", "--agency", "nocr", "--province", "23")


def test_discovery_names_the_endpoint_and_its_formats(client):
    answer = client.get("/open311/discovery.json").json()
    (endpoint,) = answer["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://127.0.0.1:8000/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml_of(client.get("/open311/discovery.xml"))
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_list_the_active_catalogue_in_both_formats(client):
    services = client.get(f"{V2}/services.json").json()
    active = set(Service.objects.active().values_list("code", flat=True))
    assert {s["service_code"] for s in services} == active
    gas = next(s for s in services if s["service_code"] == "gas-meter-test")
    service = Service.objects.select_related("agency").get(code="gas-meter-test")
    assert gas == {
        "service_code": "gas-meter-test",
        "service_name": service.name_fa,
        "description": service.description_fa,
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": service.agency.name_fa,
    }
    root = xml_of(client.get(f"{V2}/services.xml"))
    assert root.tag == "services"
    by_code = {s.find("service_code").text: s for s in root.findall("service")}
    assert set(by_code) == active
    assert by_code["gas-meter-test"].find("service_name").text == service.name_fa
    assert by_code["gas-meter-test"].find("metadata").text == "true"
    # In English when the site's language cookie says so, as the rest of the API.
    client.cookies["pishkhan_language"] = "en"
    english = client.get(f"{V2}/services.json").json()
    assert next(s for s in english if s["service_code"] == "gas-meter-test")["service_name"] == (
        service.name_en
    )


def test_a_service_definition_gives_its_declared_fields_as_attributes(client):
    service = Service.objects.get(code="gas-meter-test")
    declared = list(service.fields.exclude(kind=FieldKind.FILE).order_by("position", "pk"))
    definition = client.get(f"{V2}/services/gas-meter-test.json").json()
    assert definition["service_code"] == "gas-meter-test"
    attributes = definition["attributes"]
    assert [a["code"] for a in attributes] == [f.key for f in declared]
    assert [a["order"] for a in attributes] == list(range(1, len(declared) + 1))
    choice_field = next(f for f in declared if f.kind == FieldKind.CHOICE)
    choice = next(a for a in attributes if a["code"] == choice_field.key)
    assert choice["datatype"] == "singlevaluelist"
    assert choice["values"] == [
        {"key": c["value"], "name": c["label_fa"]} for c in choice_field.choices
    ]
    number = next(a for a in attributes if a["code"] == "current_reading")
    assert number["datatype"] == "number" and number["required"] is True
    root = xml_of(client.get(f"{V2}/services/gas-meter-test.xml"))
    assert root.tag == "service_definition"
    xml_choice = next(
        a for a in root.findall("attributes/attribute") if a.find("code").text == choice_field.key
    )
    assert [v.find("key").text for v in xml_choice.findall("values/value")] == [
        c["value"] for c in choice_field.choices
    ]
    assert xml_choice.find("variable").text == "true"


def test_kinds_of_fields_say_what_their_values_look_like(client):
    datatypes, described = set(), {}
    for code in Service.objects.active().values_list("code", flat=True):
        service = Service.objects.get(code=code)
        kinds = {f.key: f.kind for f in service.fields.all()}
        for attribute in client.get(f"{V2}/services/{code}.json").json()["attributes"]:
            datatypes.add(attribute["datatype"])
            described[kinds[attribute["code"]]] = attribute["datatype_description"]
    assert datatypes <= {"string", "number", "text", "singlevaluelist"}
    assert FieldKind.FILE not in described  # documents are not Open311 attributes
    for kind in (FieldKind.JALALI_DATE, FieldKind.NATIONAL_CODE, FieldKind.MOBILE):
        if kind in described:
            assert described[kind], kind


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_services_and_addresses_are_404_in_the_standards_shape(client, fmt):
    assert "خدمت" in errors_of(client.get(f"{V2}/services/no-such-service.{fmt}"), 404, fmt)
    errors_of(client.get(f"{V2}/services/{'x' * 200}.{fmt}"), 404, fmt)
    errors_of(client.get(f"{V2}/nothing-here.{fmt}"), 404, fmt)
    errors_of(client.get(f"{V2}/services/a%00b.{fmt}"), 404, fmt)  # a NUL in the path
    errors_of(client.get(f"{V2}/services.{fmt}?q=a%00b"), 400, fmt)  # and in the query
    # An unknown format gets the standard's default, XML.
    errors_of(client.get(f"{V2}/services.csv"), 404, "xml")


def test_wrong_methods_and_jurisdictions(client, settings):
    assert "PUT" in errors_of(client.put(f"{V2}/services.json"), 405)
    errors_of(client.post(f"{V2}/services/gas-meter-test.json"), 405)
    assert client.get(f"{V2}/services.json?jurisdiction_id=ir").status_code == 200
    errors_of(client.get(f"{V2}/services.json?jurisdiction_id=sf.gov"), 404)
    settings.PISHKHAN_OPEN311_JURISDICTION = "pishkhan.example"
    assert client.get(f"{V2}/services.json?jurisdiction_id=pishkhan.example").status_code == 200


def test_filing_through_open311_is_refused_with_where_to_file(client, key):
    before = ServiceRequest.objects.count()
    description = errors_of(
        client.post(f"{V2}/requests.json", {"api_key": key, "service_code": "gas-meter-test"}),
        501,
    )
    assert "/portal/" in description
    assert ServiceRequest.objects.count() == before


def test_requests_are_not_public(client, key):
    file_at()
    unsigned = client.get(f"{V2}/requests.json")
    assert "api_key" in errors_of(unsigned, 401) and unsigned["WWW-Authenticate"] == "Bearer"
    errors_of(client.get(f"{V2}/requests.json?api_key=not-a-key-of-ours-at-all"), 403)
    errors_of(client.get(f"{V2}/requests.xml?api_key=abc%00def"), 400, "xml")
    # A citizen's or an office's account is not an agency's system, whatever it holds.
    citizen_client = create("Odd client", "--agency", "nocr")
    User.objects.filter(username="api-odd-client").update(role="citizen")
    errors_of(client.get(f"{V2}/requests.json?api_key={citizen_client}"), 403)


def test_requests_answer_the_clients_scope_without_personal_data(client, key):
    mine = file_at()
    file_at(licence_number="07-3001")  # another province
    file_at(code="abfa-water-connection")  # another agency
    answer = client.get(f"{V2}/requests.json?api_key={key}")
    assert answer.status_code == 200
    rows = answer.json()
    visible = ServiceRequest.objects.visible_to(User.objects.get(username__startswith="api-"))
    recent = visible.filter(submitted_at__gte=timezone.now() - dt.timedelta(days=90))
    assert {r["service_request_id"] for r in rows} == set(
        recent.values_list("tracking_code", flat=True)
    )
    row = next(r for r in rows if r["service_request_id"] == mine.tracking_code)
    assert row["status"] == "open" and row["service_code"] == "nocr-birth-certificate-duplicate"
    assert row["agency_responsible"] == mine.agency.name_fa
    assert row["status_notes"] == mine.definition.state_label("submitted", "fa")
    assert dt.datetime.fromisoformat(row["requested_datetime"]) == mine.submitted_at
    assert row["expected_datetime"].startswith(mine.sla_due_on.isoformat())
    body = answer.content.decode()
    for personal in (mine.citizen.national_code, mine.citizen.mobile, mine.citizen.last_name):
        assert personal not in body
    # The same through the Bearer header, and in XML.
    bearer = client.get(f"{V2}/requests.xml", HTTP_AUTHORIZATION=f"Bearer {key}")
    ids = [r.find("service_request_id").text for r in xml_of(bearer).findall("request")]
    assert sorted(ids) == sorted(r["service_request_id"] for r in rows)


def test_one_request_by_its_tracking_code_and_outside_the_scope_is_unknown(client, key):
    mine = file_at()
    theirs = file_at(licence_number="07-3001")
    (row,) = client.get(f"{V2}/requests/{mine.tracking_code}.json?api_key={key}").json()
    assert row["service_request_id"] == mine.tracking_code
    root = xml_of(client.get(f"{V2}/requests/{mine.tracking_code}.xml?api_key={key}"))
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text == mine.tracking_code
    outside = errors_of(client.get(f"{V2}/requests/{theirs.tracking_code}.json?api_key={key}"), 404)
    unknown = errors_of(client.get(f"{V2}/requests/123456789012.json?api_key={key}"), 404)
    junk = errors_of(client.get(f"{V2}/requests/abc.json?api_key={key}"), 404)
    assert outside == unknown == junk


def test_filters_by_ids_service_status_and_dates(client, key):
    first, second = file_at(), file_at(code="nocr-national-id-card-duplicate")
    officer = User.objects.get(username="officer-nocr-tehran")
    transition(second.pk, "start_review", officer)
    transition(second.pk, "reject", officer, comment="مدارک ناقص است")

    def ids(query: str) -> set[str]:
        answer = client.get(f"{V2}/requests.json?api_key={key}&{query}")
        assert answer.status_code == 200, answer.content
        return {r["service_request_id"] for r in answer.json()}

    both = {first.tracking_code, second.tracking_code}
    assert ids(f"service_request_id={first.tracking_code},{second.tracking_code}") == both
    # service_request_id overrides every other argument, as the standard says.
    assert ids(f"service_request_id={first.tracking_code}&status=closed") == {first.tracking_code}
    assert ids("service_code=nocr-national-id-card-duplicate") >= {second.tracking_code}
    assert first.tracking_code not in ids("service_code=nocr-national-id-card-duplicate")
    assert second.tracking_code in ids("status=closed")
    assert second.tracking_code not in ids("status=open")
    assert first.tracking_code in ids("status=open")
    assert both <= ids("status=open,closed")
    today = timezone.localdate().isoformat()
    assert both <= ids(f"start_date={today}")
    assert not both & ids("end_date=2020-01-01T00:00:00Z")
    assert len(ids("page_size=1")) == 1
    assert ids("page_size=1&page=1") != ids("page_size=1&page=2")


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("start_date=yesterday", "start_date"),
        ("end_date=2026-13-45", "end_date"),
        ("start_date=2026-06-01&end_date=2026-01-01", "end_date"),
        ("start_date=2026-01-01&end_date=2026-06-01", "۹۰"),
        ("status=pending", "status"),
        ("page_size=0", "page_size"),
        ("page_size=1001", "page_size"),
        ("page=x", "page"),
        ("page_size=۱۰", "page_size"),
        ("service_request_id=123", "123"),
        ("service_request_id=" + ",".join(["403918275562"] * 101), "100"),
    ],
)
def test_bad_arguments_are_400_saying_which(client, key, query, words):
    assert words in errors_of(client.get(f"{V2}/requests.json?api_key={key}&{query}"), 400)


def test_the_list_costs_the_same_queries_for_more_rows(client, key):
    file_at()
    url = f"{V2}/requests.json?api_key={key}"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        file_at(code="nocr-national-id-card-duplicate")
    with CaptureQueriesContext(connection) as more:
        rows = client.get(url).json()
    assert len(rows) >= 4
    # The client with its user, its agencies (as ids, for the index), the page, its workflows.
    assert len(more) == len(few) <= 4


def test_what_is_echoed_back_is_well_formed_xml(client, key):
    answer = client.get(f"{V2}/requests.xml?api_key={key}&service_request_id=12%01%0b<a>&x")
    assert "12\ufffd\ufffd<a>" in errors_of(answer, 400, "xml")
