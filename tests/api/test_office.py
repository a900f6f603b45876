"""The office API: an office's counter software files a request for the citizen at its counter
and records the fee, through the counter's own checks, with the client named in the audit log."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.api.models import ApiClient
from pishkhan.cases.demo import DEMO_PDF, sample_values
from pishkhan.cases.models import DataAccess, ServiceRequest
from pishkhan.catalog.models import Service
from pishkhan.core.audit import events_for
from pishkhan.offices.models import Office, OfficeService, OfficeStatus
from pishkhan.payments.models import Invoice
from tests.api.test_agency import create
from tests.cases.conftest import pdf

pytestmark = pytest.mark.django_db

FILE = "/api/v1/office/requests/"
CODE = "nocr-birth-certificate-duplicate"


@pytest.fixture
def office_client(client):
    token = create("Office 1001 counter app", "--office", "23-1001")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def body(code: str = CODE, key: str = "key-1", **overrides):
    """The form body the counter's page would post, for citizen 9990000018 (mobile per the
    registry)."""
    service = Service.objects.get(code=code)
    citizen = User.objects.get(username="9990000018")
    data = {
        "service": code,
        "national_code": citizen.national_code,
        "mobile": citizen.mobile,
        "idempotency_key": key,
        **{f"field_{k}": v for k, v in sample_values(service, citizen).items()},
    }
    for document in service.documents.filter(is_mandatory=True):
        data[f"document_{document.pk}"] = pdf()
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def error(response, status):
    assert response.status_code == status, response.content
    return response.json()["error"]


def test_create_makes_an_operator_of_the_office():
    create("Office 1001 counter app", "--office", "23-1001")
    user = ApiClient.objects.get().user
    office = Office.objects.get(licence_number="23-1001")
    assert (user.role, user.office, user.province, user.agency) == (
        Role.OFFICE_OPERATOR,
        office,
        office.province,
        None,
    )
    for args in (
        ("X", "--office", "99-9999"),
        ("X", "--office", "23-1001", "--province", "23"),
        ("X", "--office", "23-1001", "--agency", "nocr"),
    ):
        with pytest.raises((CommandError, SystemExit)):
            create(*args)
    listing = io.StringIO()
    call_command("api_client", "list", stdout=listing)
    assert "23-1001" in listing.getvalue()


def test_an_office_system_files_records_the_fee_and_the_receipt_verifies(office_client, client):
    answer = office_client.post(FILE, body())
    assert answer.status_code == 201, answer.content
    filed = answer.json()
    request = ServiceRequest.objects.get(tracking_code=filed["tracking_code"])
    assert (request.channel, request.office.licence_number) == ("office", "23-1001")
    assert filed["state"] == "submitted" and filed["version"] == 1
    assert filed["fee_total_rials"] == request.fee_total_rials > 0
    assert {line["code"] for line in filed["fee_lines"]} >= {"government", "office_fee"}
    invoice = filed["invoice"]
    assert (invoice["status"], invoice["total_rials"], invoice["paid_rials"]) == (
        "unpaid",
        request.fee_total_rials,
        0,
    )
    # The audit log names the client, as it names an operator.
    (event,) = events_for("service_request", request.pk)
    assert event.actor_name.startswith("Office 1001 counter app")
    # The same key again: the same request, 200, nothing new.
    again = office_client.post(FILE, body())
    assert again.status_code == 200 and again.json()["tracking_code"] == filed["tracking_code"]
    assert ServiceRequest.objects.filter(idempotency_key="key-1").count() == 1
    # The fee received at the counter, by card: then the invoice is paid.
    pay = f"{FILE}{filed['tracking_code']}/payment/"
    paid = office_client.post(
        pay,
        {"method": "pos", "amount_rials": request.fee_total_rials, "reference": "778812"},
        "application/json",
    )
    assert paid.status_code == 200, paid.content
    assert paid.json()["invoice"]["status"] == "paid"
    twice = office_client.post(
        pay,
        {"method": "cash", "amount_rials": request.fee_total_rials},
        "application/json",
    )
    assert error(twice, 409)["code"] == "already_paid"
    # The state is there to read.
    state = office_client.get(f"{FILE}{filed['tracking_code']}/")
    assert state.status_code == 200 and state.json()["invoice"]["status"] == "paid"
    # Anyone holding the receipt can check it by its code, without a token.
    code = paid.json()["invoice"]["verification_code"]
    del client.defaults["HTTP_AUTHORIZATION"]
    verified = client.get(f"/api/v1/verify/{code}/").json()
    assert verified["kind"] == "receipt"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"service": "no-such-service"}, "service"),
        ({"service": "a\x00b"}, "service"),
        ({"service": None}, "service"),
        ({"national_code": "1234567890"}, "national_code"),
        ({"mobile": "0912"}, "mobile"),
        ({"mobile": "09129999999"}, "mobile"),  # not this citizen's, per the registry
        ({"idempotency_key": None}, "idempotency_key"),
    ],
)
def test_bad_filings_name_the_field_and_leave_nothing(office_client, overrides, field):
    before = (ServiceRequest.objects.count(), Invoice.objects.count())
    got = error(office_client.post(FILE, body(**overrides)), 400)
    assert got["code"] == "invalid" and field in got["fields"], got
    assert (ServiceRequest.objects.count(), Invoice.objects.count()) == before


@pytest.mark.usefixtures("document_storage")
def test_a_filing_built_from_the_service_endpoint_alone_is_accepted(office_client):
    # The counter software learns the names to send from GET /api/v1/services/{code}/ (the
    # docs promise "keys and ids" there): each document's id makes its field document_<id>.
    service = office_client.get(f"/api/v1/services/{CODE}/").json()
    mandatory = [d for d in service["documents"] if d["is_mandatory"]]
    assert mandatory and all(isinstance(d["id"], int) for d in mandatory)
    data = {k: v for k, v in body().items() if not k.startswith("document_")}
    data.update({f"document_{d['id']}": pdf() for d in mandatory})
    answer = office_client.post(FILE, data)
    assert answer.status_code == 201, answer.content
    filed = ServiceRequest.objects.get(tracking_code=answer.json()["tracking_code"])
    stored = [a.file.read() for a in filed.attachments.order_by("pk")]
    assert stored == [DEMO_PDF] * len(mandatory)


def test_the_form_and_documents_are_the_services_own(office_client):
    service = Service.objects.get(code=CODE)
    document = service.documents.filter(is_mandatory=True).first()
    field = service.fields.filter(is_required=True).first()
    got = error(
        office_client.post(
            FILE, body(**{f"document_{document.pk}": None, f"field_{field.key}": None})
        ),
        400,
    )
    assert {f"document_{document.pk}", f"field_{field.key}"} <= set(got["fields"])
    fake = error(
        office_client.post(
            FILE, body(**{f"document_{document.pk}": pdf("x.pdf", b"not a pdf at all")})
        ),
        400,
    )
    assert f"document_{document.pk}" in fake["fields"]
    assert not ServiceRequest.objects.filter(idempotency_key="key-1").exists()


def test_a_service_the_office_does_not_offer_and_a_suspended_office(office_client):
    OfficeService.objects.filter(office__licence_number="23-1001", service__code=CODE).delete()
    got = error(office_client.post(FILE, body()), 400)
    assert "service" in got["fields"]
    Office.objects.filter(licence_number="23-1001").update(status=OfficeStatus.SUSPENDED)
    inquiries = DataAccess.objects.count()
    refused = error(office_client.post(FILE, body(code="gas-meter-test", key="key-2")), 409)
    assert refused["code"] == "office_inactive"
    assert refused["message"] and not ServiceRequest.objects.filter(idempotency_key="key-2")
    # Refused before the identity registry is asked about the citizen.
    assert DataAccess.objects.count() == inquiries


def test_only_office_systems_and_only_their_own_requests(office_client, client):
    filed = office_client.post(FILE, body()).json()["tracking_code"]
    agency = create("NOCR Tehran back office", "--agency", "nocr", "--province", "23")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {agency}"
    assert error(client.post(FILE, body(key="key-3")), 403)["code"] == "permission_denied"
    other = create("Office 1002 counter app", "--office", "23-1002")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {other}"
    assert error(client.get(f"{FILE}{filed}/"), 404)["code"] == "not_found"
    paid = client.post(f"{FILE}{filed}/payment/", {"method": "cash", "amount_rials": 1})
    assert error(paid, 404)["code"] == "not_found"
    del client.defaults["HTTP_AUTHORIZATION"]
    assert error(client.post(FILE, body(key="key-4")), 401)["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("payment", "field"),
    [
        ({"method": "cheque", "amount_rials": 1}, "method"),
        ({"method": "cash", "amount_rials": 1}, "amount_rials"),  # not the amount due
        ({"method": "cash", "amount_rials": -5}, "amount_rials"),
        ({"method": "cash"}, "amount_rials"),
    ],
)
def test_bad_payments_name_the_field(office_client, payment, field):
    filed = office_client.post(FILE, body()).json()
    got = error(
        office_client.post(f"{FILE}{filed['tracking_code']}/payment/", payment, "application/json"),
        400,
    )
    assert field in got["fields"], got
    assert Invoice.objects.get(request__tracking_code=filed["tracking_code"]).status == "unpaid"


def test_payment_refusals_speak_persian_in_the_inputs_own_names(office_client):
    filed = office_client.post(FILE, body()).json()

    def refused(payment):
        pay = f"{FILE}{filed['tracking_code']}/payment/"
        return error(office_client.post(pay, payment, "application/json"), 400)["fields"]

    # Not the amount due: said under the input's own name, amount_rials.
    assert set(refused({"method": "cash", "amount_rials": 1})) == {"amount_rials"}
    (over,) = refused({"method": "cash", "amount_rials": 10**16})["amount_rials"]
    assert "۱۰۰۰۰۰۰۰۰۰۰۰۰۰۰۰" in over and not any(c.isascii() and c.isdigit() for c in over)
    null = refused({"method": None, "amount_rials": 5})
    assert null["method"] == ["این فیلد نباید تهی (null) باشد؛ مقداری بفرستید."]


def test_a_json_filing_is_told_to_send_a_form(office_client):
    # The filing reads forms only (documents are files): its 415 must not invite JSON.
    got = error(office_client.post(FILE, {"service": CODE}, "application/json"), 415)
    assert got["code"] == "unsupported_media_type"
    assert "multipart/form-data" in got["message"] and "JSON" in got["message"]
    assert "به‌صورت JSON (application/json) یا" not in got["message"]
    assert not ServiceRequest.objects.filter(idempotency_key="key-1").exists()


def test_a_pos_payment_needs_the_slips_reference(office_client):
    filed = office_client.post(FILE, body()).json()
    got = error(
        office_client.post(
            f"{FILE}{filed['tracking_code']}/payment/",
            {"method": "pos", "amount_rials": filed["fee_total_rials"]},
            "application/json",
        ),
        400,
    )
    assert "reference" in got["fields"]


def test_an_office_asks_the_registry_at_most_so_often_a_minute(office_client, client, settings):
    settings.PISHKHAN_IDENTIFY_PER_MINUTE = 3
    from django.core.cache import cache

    cache.clear()
    for n in range(3):
        office_client.post(FILE, body(key=f"k{n}", mobile="09129999999"))  # mismatches count too
    limited = error(office_client.post(FILE, body(key="k9")), 429)
    assert limited["code"] == "rate_limited" and "ثبت احوال" in limited["message"]
    assert not ServiceRequest.objects.filter(idempotency_key="k9").exists()
    # The counter's page of the same office shares the limit, and says so in Persian.
    del client.defaults["HTTP_AUTHORIZATION"]
    settings.PISHKHAN_STAFF_OTP = False
    client.force_login(User.objects.get(username="operator-1001"))
    citizen = User.objects.get(username="9990000018")
    page = client.post(
        "/office/new/", {"national_code": citizen.national_code, "mobile": citizen.mobile}
    )
    assert page.status_code == 200 and "بیش از حد" in page.content.decode()
    # Another office is not held back.
    client.force_login(User.objects.get(username="operator-1002"))
    other = client.post(
        "/office/new/", {"national_code": citizen.national_code, "mobile": citizen.mobile}
    )
    assert other.status_code == 302
