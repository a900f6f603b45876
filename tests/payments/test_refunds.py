"""Refunds by rule: a rejected or cancelled request gets back what its service's rule says, of
what was actually paid, in the transaction of the decision; every money movement is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pishkhan.cases.services import transition
from pishkhan.catalog.models import Service
from pishkhan.core.audit import events_for
from pishkhan.payments.errors import PaymentError
from pishkhan.payments.models import (
    InvoiceStatus,
    LedgerEntry,
    Refund,
    RefundRule,
)
from pishkhan.payments.services import record_counter_payment, refund

from .conftest import (
    file_office_request,
    file_online_request,
    invoice_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("money_settings")]


def paid_office_request(people):
    request = file_office_request(people)
    invoice = invoice_of(request)
    record_counter_payment(
        invoice.pk, actor=people["operator-1001"], method="cash", amount_rials=invoice.total_rials
    )
    return request, invoice_of(request)


def reject(request, people):
    officer = people["officer-nocr-tehran"]
    transition(request.pk, "start_review", officer)
    return transition(request.pk, "reject", officer, comment="مدارک ناقص است.")


def test_a_rejected_office_request_refunds_the_government_fee_and_keeps_the_office_fee(people):
    request, invoice = paid_office_request(people)
    reject(request, people)
    invoice.refresh_from_db()
    government = invoice.line_amount("government")
    assert invoice.status == InvoiceStatus.PARTLY_REFUNDED
    assert invoice.refunded_rials == government < invoice.paid_rials
    row = Refund.objects.get(invoice=invoice)
    assert row.lines == [{"code": "government", "amount": government}]
    assert row.rule == "rejected: default rule"
    assert row.actor == people["officer-nocr-tehran"]
    net = {}
    for entry in LedgerEntry.objects.filter(invoice=invoice):
        net[entry.line] = net.get(entry.line, 0) + entry.amount_rials
    assert net == {
        "government": 0,
        "office_fee": invoice.line_amount("office_fee"),
        "vat": invoice.line_amount("vat"),
    }
    assert [e.action for e in events_for("invoice", invoice.pk)] == ["paid", "refunded"]


def test_a_cancelled_online_request_gets_back_all_it_paid(client, people):
    request = file_online_request(people)
    client.force_login(people["citizen"])
    page = client.post(reverse("payments:pay", args=[request.tracking_code]))
    callback = client.post(page["Location"], {"decision": "pay"})["Location"]
    client.get(callback)
    transition(request.pk, "cancel", people["citizen"])
    invoice = invoice_of(request)
    assert invoice.status == InvoiceStatus.REFUNDED
    assert invoice.refunded_rials == invoice.paid_rials == invoice.total_rials
    assert (
        sum(LedgerEntry.objects.filter(invoice=invoice).values_list("amount_rials", flat=True)) == 0
    )


def test_a_service_rule_may_refund_the_office_fee_too(people):
    request, invoice = paid_office_request(people)
    RefundRule.objects.create(
        service=request.service, state="rejected", refund_government=True, refund_office_fee=True
    )
    reject(request, people)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REFUNDED
    assert Refund.objects.get(invoice=invoice).rule == "rejected: service rule"
    # A rule that refunds nothing: the cancelled request keeps everything.
    other, other_invoice = paid_office_request(people)
    RefundRule.objects.create(
        service=other.service, state="cancelled", refund_government=False, refund_office_fee=False
    )
    transition(other.pk, "cancel", people["operator-1001"])
    other_invoice.refresh_from_db()
    assert other_invoice.status == InvoiceStatus.PAID
    assert not Refund.objects.filter(invoice=other_invoice).exists()


def test_an_unpaid_request_that_is_rejected_owes_nothing(people):
    request = file_office_request(people)
    reject(request, people)
    invoice = invoice_of(request)
    assert invoice.status == InvoiceStatus.VOID
    assert not Refund.objects.filter(invoice=invoice).exists()
    with pytest.raises(PaymentError) as exc:
        record_counter_payment(
            invoice.pk,
            actor=people["operator-1001"],
            method="cash",
            amount_rials=invoice.total_rials,
        )
    assert exc.value.code == "void"
    assert [e.action for e in events_for("invoice", invoice.pk)] == ["voided"]


def test_refunding_what_was_never_paid_is_refused(people):
    invoice = invoice_of(file_office_request(people))
    with pytest.raises(PaymentError) as exc:
        refund(invoice.pk, lines={"government": 1000}, reason="آزمایش", actor=people["regulator"])
    assert exc.value.code == "not_paid"
    assert "چیزی پرداخت نشده" in str(exc.value.message)
    assert not Refund.objects.filter(invoice=invoice).exists()


def test_refunding_more_than_was_paid_is_refused_and_nothing_is_lost(people):
    request, invoice = paid_office_request(people)
    government = invoice.line_amount("government")
    with pytest.raises(PaymentError) as exc:
        refund(invoice.pk, lines={"government": government + 1}, reason="x", actor=None)
    assert exc.value.code == "too_much"
    with pytest.raises(PaymentError) as exc:
        refund(invoice.pk, lines={"stamp_duty": 1}, reason="x", actor=None)
    assert exc.value.code == "unknown_line"
    with pytest.raises(PaymentError) as exc:
        refund(invoice.pk, lines={"government": 0}, reason="x", actor=None)
    assert exc.value.code == "nothing"
    with pytest.raises(PaymentError) as exc:
        refund(invoice.pk, lines={"government": 10}, reason="  ", actor=None)
    assert exc.value.code == "reason_required"
    # Part of it, then the rest, then nothing more.
    refund(invoice.pk, lines={"government": 1000}, reason="اضافه دریافت", actor=None)
    refund(invoice.pk, lines={"government": government - 1000}, reason="بقیه", actor=None)
    with pytest.raises(PaymentError) as exc:
        refund(invoice.pk, lines={"government": 1}, reason="x", actor=None)
    assert exc.value.code == "too_much"
    invoice.refresh_from_db()
    assert invoice.refunded_rials == government
    # The rule's listener then finds the government fee already refunded: nothing twice.
    reject(request, people)
    assert Refund.objects.filter(invoice=invoice).count() == 2
    assert [e.action for e in events_for("invoice", invoice.pk)] == ["paid", "refunded", "refunded"]


def test_an_agency_administrator_edits_refund_rules_of_its_own_services_only(client, people):
    admin_user = people["agencyadmin-nocr"]
    client.force_login(admin_user)
    listing = client.get(reverse("admin:payments_refundrule_add"))
    assert listing.status_code == 200
    offered = list(listing.context["adminform"].form.fields["service"].queryset)
    assert offered and all(s.agency_id == admin_user.agency_id for s in offered)
    other = Service.objects.exclude(agency_id=admin_user.agency_id).first()
    response = client.post(
        reverse("admin:payments_refundrule_add"),
        {"service": other.pk, "state": "rejected", "refund_government": "on"},
    )
    assert response.status_code == 200 and not RefundRule.objects.filter(service=other).exists()
    mine = offered[0]
    response = client.post(
        reverse("admin:payments_refundrule_add"),
        {"service": mine.pk, "state": "rejected", "refund_office_fee": "on"},
    )
    assert response.status_code == 302
    rule = RefundRule.objects.get(service=mine)
    assert (rule.refund_government, rule.refund_office_fee) == (False, True)
