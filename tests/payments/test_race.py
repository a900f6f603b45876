"""PostgreSQL: one invoice paid from several threads at once is paid exactly once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from pishkhan.payments.errors import PaymentError
from pishkhan.payments.gateways.sandbox import decide
from pishkhan.payments.models import InvoiceStatus, LedgerEntry, Payment, PaymentStatus
from pishkhan.payments.services import begin_online_payment, handle_callback, record_counter_payment

from .conftest import (
    file_office_request,
    file_online_request,
    invoice_of,
    token_in,
)

pytestmark = [
    # Checked before any database set-up: row locks are PostgreSQL's (SQLite serialises
    # writers by its IMMEDIATE transactions); this module runs in the PostgreSQL pass.
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks are PostgreSQL's; this test runs in the PostgreSQL pass",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("money_settings"),
]


def race(functions) -> list[str]:
    barrier = threading.Barrier(len(functions))
    outcomes: list[str] = []

    def run(function):
        barrier.wait()
        try:
            function()
            outcomes.append("ok")
        except PaymentError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f,)) for f in functions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def test_two_counters_paying_one_invoice_pay_it_once(people):
    invoice = invoice_of(file_office_request(people))
    staff = [people["operator-1001"], people["manager-1001"]] * 2

    def pay(user):
        return lambda: record_counter_payment(
            invoice.pk, actor=user, method="cash", amount_rials=invoice.total_rials
        )

    assert race([pay(user) for user in staff]) == ["already_paid"] * 3 + ["ok"]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_rials == invoice.total_rials
    assert Payment.objects.filter(invoice=invoice, status=PaymentStatus.PAID).count() == 1
    assert LedgerEntry.objects.filter(invoice=invoice).count() == 3


def test_racing_gateway_callbacks_pay_once(people):
    """Two payments started for one invoice, both paid at the gateway, and each callback
    delivered twice at the same moment: one payment settles, once."""
    invoice = invoice_of(file_online_request(people))
    tokens = []
    for _ in range(2):
        payment, _start = begin_online_payment(
            invoice.pk, actor=people["citizen"], callback_url="/cb/", request=None
        )
        tokens.append(token_in(decide(payment.authority, pay=True)))
    outcomes = race([lambda t=t: handle_callback("sandbox", {"token": t}) for t in tokens * 2])
    assert outcomes == ["ok"] * 4  # every callback is answered; none pays twice
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    statuses = sorted(Payment.objects.filter(invoice=invoice).values_list("status", flat=True))
    assert statuses == ["failed", "paid"]
    assert LedgerEntry.objects.filter(invoice=invoice).count() == 1
