"""GET /api/v1/verify/<code>/: a receipt's or a certificate's verification, for a university's
or an employer's system — the page's facts and nothing more."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import timezone

from pishkhan.cases.models import ServiceRequest
from pishkhan.education.certificates import signed_token as certificate_token
from pishkhan.education.models import Certificate, CertificateKind, CertificateStatus
from pishkhan.payments.models import Invoice
from pishkhan.payments.receipts import build_receipt
from pishkhan.payments.receipts import signed_token as receipt_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def verify(client, code, token=None):
    url = f"/api/v1/verify/{code}/" + (f"?s={token}" if token else "")
    return client.get(url)


@pytest.fixture
def invoice() -> Invoice:
    request = ServiceRequest.objects.get(idempotency_key="demo-office-submitted")
    return Invoice.objects.select_related("request__office", "request__service").get(
        request=request
    )


@pytest.fixture
def certificate() -> Certificate:
    return Certificate.objects.select_related("request__service__agency").get(
        kind=CertificateKind.ACADEMIC,
        status=CertificateStatus.VALID,
        holder_national_code="9990000018",
    )


def test_a_receipt_shows_charged_lines_beside_official_figures(client, invoice):
    answer = verify(client, invoice.verification_code)
    assert answer.status_code == 200
    body = answer.json()
    receipt = build_receipt(invoice)
    assert body["kind"] == "receipt" and body["signature"] == "absent"
    assert body["tracking_code"] == invoice.request.tracking_code
    assert body["office"] == {
        "name": invoice.request.office.name,
        "licence_number": invoice.request.office.licence_number,
    }
    assert [
        (line["code"], line["charged_rials"], line["official_rials"]) for line in body["lines"]
    ] == [(line.code, line.charged_rials, line.official_rials) for line in receipt.lines]
    assert body["total_charged_rials"] == receipt.total_charged_rials
    assert body["is_overcharged"] is False and body["excess_rials"] == 0
    citizen = invoice.request.citizen
    for private in (citizen.national_code, citizen.mobile, citizen.last_name):
        assert private not in answer.content.decode()


def test_an_overcharge_is_flagged(client, invoice):
    lines = [dict(line) for line in invoice.lines]
    office_fee = next(line for line in lines if line["code"] == "office_fee")
    office_fee["amount"] += 1_000_000
    Invoice.objects.filter(pk=invoice.pk).update(
        lines=lines, total_rials=sum(line["amount"] for line in lines)
    )
    body = verify(client, invoice.verification_code).json()
    invoice.refresh_from_db()
    assert body["is_overcharged"] is True
    assert body["excess_rials"] == build_receipt(invoice).excess_rials > 0
    assert next(line for line in body["lines"] if line["code"] == "office_fee")["excess_rials"] > 0


def test_a_receipt_token_is_judged(client, invoice):
    receipt = build_receipt(invoice)
    assert (
        verify(client, invoice.verification_code, receipt_token(receipt)).json()["signature"]
        == "valid"
    )
    assert (
        verify(client, invoice.verification_code, "forged.token").json()["signature"] == "invalid"
    )
    other = Invoice.objects.exclude(pk=invoice.pk).first()
    copied = receipt_token(build_receipt(other))
    assert verify(client, invoice.verification_code, copied).json()["signature"] == "mismatch"


def test_a_certificate_shows_what_it_certifies_and_no_more(client, certificate):
    answer = verify(client, certificate.verification_code, certificate_token(certificate))
    assert answer.status_code == 200
    body = answer.json()
    assert body["kind"] == "certificate" and body["certificate_kind"] == "academic"
    assert body["status"] == "valid" and body["revoked_at"] is None
    assert body["signature"] == "valid"
    assert body["holder_name"] == certificate.holder_name
    assert body["masked_national_code"] == "******0018"
    assert body["agency"]["code"] == certificate.request.service.agency.code
    data = certificate.data
    assert body["certified"]["level"] == data["level"]
    assert [y["year"] for y in body["certified"]["years"]] == [
        str(r["year"]) for r in data["records"]
    ]
    assert body["certified"]["gpa"] == data["gpa"]
    text = answer.content.decode()
    assert "9990000018" not in text
    assert data["birth_date"] not in text
    for row in data["records"]:
        assert not row["school"] or row["school"] not in text


def test_a_revocation_is_seen_at_once(client, certificate):
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.REVOKED, revoked_at=timezone.now()
    )
    body = verify(client, certificate.verification_code).json()
    assert body["status"] == "revoked" and body["revoked_at"]


def test_codes_are_read_as_typed_from_paper(client, certificate):
    code = certificate.verification_code
    typed = "-".join(code[i : i + 4] for i in range(0, 16, 4)).lower()
    assert verify(client, typed).json()["verification_code"] == code


def test_an_unknown_code_is_a_json_404_and_the_limit_is_the_pages(client, settings, certificate):
    answer = verify(client, "ABCDEFGHJKMNPQRS")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    cache.clear()
    settings.PISHKHAN_VERIFY_PER_MINUTE = 2
    assert client.get(f"/verify/{certificate.verification_code}/").status_code == 200
    assert verify(client, certificate.verification_code).status_code == 200
    limited = verify(client, certificate.verification_code)
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
