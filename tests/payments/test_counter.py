"""The office counter records a payment: cash, or a card reader (POS) with its slip's number."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from pishkhan.catalog.fees import fee_in_force
from pishkhan.catalog.models import FeeKind, Service
from pishkhan.catalog.services import set_fee
from pishkhan.core.audit import events_for
from pishkhan.offices.models import Office
from pishkhan.offices.services import set_office_fee
from pishkhan.payments.errors import PaymentError
from pishkhan.payments.models import (
    InvoiceStatus,
    LedgerEntry,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from pishkhan.payments.services import record_counter_payment

from .conftest import OFFICE_SERVICE, file_office_request, invoice_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("money_settings")]


def test_the_counter_records_a_pos_payment_over_http(client, people):
    request = file_office_request(people)
    invoice = invoice_of(request)
    client.force_login(people["operator-1001"])
    page = client.get(reverse("cases:office_request", args=[request.tracking_code]))
    pay_url = reverse("payments:counter_pay", args=[request.tracking_code])
    assert pay_url in page.content.decode()
    form = client.get(pay_url)
    assert form.status_code == 200
    assert form.context["form"]["amount"].value() == invoice.total_rials
    response = client.post(
        pay_url,
        {"method": "pos", "amount": f"{invoice.total_rials:,}", "reference": "۵۱۴۲۳۶۹۸۷۴۰۱"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:office_request", args=[request.tracking_code])
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_rials == invoice.total_rials
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.method, payment.status, payment.reference) == (
        PaymentMethod.POS,
        PaymentStatus.PAID,
        "514236987401",
    )
    assert payment.received_by == people["operator-1001"]
    ledger = {e.line: e.amount_rials for e in LedgerEntry.objects.filter(invoice=invoice)}
    assert ledger == {line["code"]: line["amount"] for line in invoice.lines if line["amount"]}
    assert all(
        e.collector_id == request.office_id and e.agency_id == request.agency_id
        for e in LedgerEntry.objects.filter(invoice=invoice)
    )
    event = events_for("invoice", invoice.pk).last()
    assert event.action == "paid" and event.data["reference"] == "514236987401"
    page = client.get(reverse("cases:office_request", args=[request.tracking_code]))
    html = page.content.decode()
    assert 'data-status="paid"' in html and pay_url not in html


def test_bad_counter_input_is_refused_with_a_message_and_records_nothing(client, people):
    request = file_office_request(people)
    invoice = invoice_of(request)
    pay_url = reverse("payments:counter_pay", args=[request.tracking_code])
    client.force_login(people["operator-1001"])
    # POS without the slip's reference.
    response = client.post(pay_url, {"method": "pos", "amount": str(invoice.total_rials)})
    assert response.status_code == 400
    assert "reference" in response.context["form"].errors
    # Not the amount due (more, as an overcharge would be).
    response = client.post(pay_url, {"method": "cash", "amount": str(invoice.total_rials + 1000)})
    assert response.status_code == 400
    assert "مبلغ دریافتی" in response.content.decode()
    # Not a number.
    response = client.post(pay_url, {"method": "cash", "amount": "سیصد هزار"})
    assert response.status_code == 400 and "amount" in response.context["form"].errors
    # An unknown method.
    response = client.post(pay_url, {"method": "cheque", "amount": str(invoice.total_rials)})
    assert response.status_code == 400
    assert not Payment.objects.filter(invoice=invoice).exists()
    assert not LedgerEntry.objects.filter(invoice=invoice).exists()


def test_paying_twice_is_refused(client, people):
    request = file_office_request(people)
    invoice = invoice_of(request)
    record_counter_payment(
        invoice.pk, actor=people["operator-1001"], method="cash", amount_rials=invoice.total_rials
    )
    with pytest.raises(PaymentError) as exc:
        record_counter_payment(
            invoice.pk,
            actor=people["manager-1001"],
            method="pos",
            amount_rials=invoice.total_rials,
            reference="1",
        )
    assert exc.value.code == "already_paid"
    client.force_login(people["operator-1001"])
    response = client.post(
        reverse("payments:counter_pay", args=[request.tracking_code]),
        {"method": "cash", "amount": str(invoice.total_rials)},
    )
    assert response.status_code == 400
    assert "هرگز دو بار" in response.content.decode()
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert LedgerEntry.objects.filter(invoice=invoice).count() == 3


def test_only_the_filing_office_records_its_payment(client, people):
    request = file_office_request(people)
    invoice = invoice_of(request)
    url = reverse("payments:counter_pay", args=[request.tracking_code])
    for outsider in ("operator-1002", "citizen", "officer-nocr-tehran", "regulator"):
        client.force_login(people[outsider])
        assert client.get(url).status_code == 404, outsider
        assert client.post(url, {"method": "cash", "amount": "1"}).status_code == 404
    with pytest.raises(PaymentError) as exc:
        record_counter_payment(
            invoice.pk,
            actor=people["operator-1002"],
            method="cash",
            amount_rials=invoice.total_rials,
        )
    assert exc.value.code == "not_office_staff"
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page
    assert not Payment.objects.filter(invoice=invoice).exists()


def test_an_online_request_is_not_paid_at_a_counter(people):
    from .conftest import file_online_request

    invoice = invoice_of(file_online_request(people))
    with pytest.raises(PaymentError) as exc:
        record_counter_payment(
            invoice.pk,
            actor=people["operator-1001"],
            method="cash",
            amount_rials=invoice.total_rials,
        )
    assert exc.value.code == "not_office_staff"


def test_a_fee_above_the_cap_is_refused_and_never_charged(people):
    """The office cannot set its fee above the cap; a cap lowered since it set the fee wins on
    the invoice; and the counter cannot take more than the invoice says."""
    service = Service.objects.get(code=OFFICE_SERVICE)
    office = Office.objects.get(licence_number="23-1001")
    today = timezone.localdate()
    cap = fee_in_force(service, FeeKind.OFFICE_CAP, today)
    with pytest.raises(ValidationError) as exc:
        set_office_fee(office, service, cap + 1)
    assert "سقف" in " ".join(exc.value.messages)
    set_office_fee(office, service, cap)
    set_fee(service, FeeKind.OFFICE_CAP, cap // 2, today, source="کاهش سقف")
    request = file_office_request(people)
    invoice = invoice_of(request)
    assert invoice.line_amount("office_fee") == cap // 2
    assert invoice.line_amount("vat") == (cap // 2 * 10 + 50) // 100
    with pytest.raises(PaymentError) as refused:
        record_counter_payment(
            invoice.pk,
            actor=people["operator-1001"],
            method="cash",
            amount_rials=invoice.total_rials + cap // 2,
        )
    assert refused.value.code == "amount"
    assert not Payment.objects.filter(invoice=invoice).exists()
