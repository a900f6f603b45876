"""The payments demo: requests paid in cash, by card reader and online through the sandbox, one
refunded by rule — and running it again changes nothing."""

from __future__ import annotations

import io

import pytest

from pishkhan.core.models import AuditEvent
from pishkhan.payments import demo
from pishkhan.payments.models import (
    Invoice,
    InvoiceStatus,
    LedgerEntry,
    Payment,
    PaymentMethod,
    Refund,
)

pytestmark = pytest.mark.django_db


def test_the_demo_pays_three_ways_refunds_once_and_is_idempotent():
    paid = Payment.objects.filter(
        status="paid", invoice__request__idempotency_key__startswith="demo-"
    )
    assert set(paid.values_list("method", flat=True)) == {
        PaymentMethod.CASH,
        PaymentMethod.POS,
        PaymentMethod.ONLINE,
    }
    assert paid.filter(method=PaymentMethod.POS).exclude(reference="").exists()
    refunded = Invoice.objects.get(request__idempotency_key=demo.REFUNDED)
    assert refunded.status == InvoiceStatus.PARTLY_REFUNDED
    assert Refund.objects.get(invoice=refunded).rule == "rejected: default rule"
    counts = [m.objects.count() for m in (Payment, Refund, LedgerEntry, AuditEvent)]
    demo.load(io.StringIO())
    assert [m.objects.count() for m in (Payment, Refund, LedgerEntry, AuditEvent)] == counts
