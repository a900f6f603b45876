"""Online payment through the sandbox gateway: redirect → the gateway's page → pay or cancel →
the signed callback → server-side verification → settled. And every way it can go wrong."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from pishkhan.core.audit import events_for
from pishkhan.payments.errors import PaymentError
from pishkhan.payments.gateways import CallbackRejected
from pishkhan.payments.gateways.sandbox import SALT, decide
from pishkhan.payments.models import (
    InvoiceStatus,
    LedgerEntry,
    Payment,
    PaymentStatus,
    SandboxStatus,
    SandboxTransaction,
)
from pishkhan.payments.services import (
    begin_online_payment,
    handle_callback,
    reconcile_pending,
)
from pishkhan.payments.tasks import reconcile_payments

from .conftest import (
    file_office_request,
    file_online_request,
    invoice_of,
    token_in,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("money_settings")]


def start(client, request):
    """The citizen presses "pay online" on the request page; returns the gateway page's URL."""
    response = client.post(reverse("payments:pay", args=[request.tracking_code]))
    assert response.status_code == 302
    return response["Location"]


def test_the_citizen_pays_through_the_sandbox(client, people):
    request = file_online_request(people)
    invoice = invoice_of(request)
    client.force_login(people["citizen"])
    page = client.get(reverse("cases:portal_request", args=[request.tracking_code]))
    assert reverse("payments:pay", args=[request.tracking_code]) in page.content.decode()
    assert client.get(reverse("payments:pay", args=[request.tracking_code])).status_code == 200

    gateway_page = start(client, request)
    payment = Payment.objects.get(invoice=invoice)
    assert payment.status == PaymentStatus.PENDING and payment.gateway == "sandbox"
    assert gateway_page == reverse("payments:sandbox_gateway", args=[payment.authority])
    shown = client.get(gateway_page)
    assert shown.status_code == 200 and shown.context["record"].amount_rials == invoice.total_rials

    back = client.post(gateway_page, {"decision": "pay"})
    assert back.status_code == 302
    assert back["Location"].startswith(
        "http://testserver" + reverse("payments:gateway_callback", args=["sandbox"])
    )
    final = client.get(back["Location"])
    assert final.status_code == 302
    assert final["Location"] == reverse("cases:portal_request", args=[request.tracking_code])

    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_rials == invoice.total_rials
    assert payment.status == PaymentStatus.PAID and len(payment.reference) == 12
    assert SandboxTransaction.objects.get(authority=payment.authority).verified_at is not None
    entries = LedgerEntry.objects.filter(invoice=invoice)
    assert [(e.line, e.amount_rials, e.collector_id) for e in entries] == [
        ("government", invoice.total_rials, None)
    ]
    assert [e.action for e in events_for("invoice", invoice.pk)] == ["payment_started", "paid"]
    page = client.get(final["Location"]).content.decode()
    assert 'data-status="paid"' in page
    assert reverse("payments:pay", args=[request.tracking_code]) not in page


def test_a_replayed_callback_pays_once(client, people):
    request = file_online_request(people)
    invoice = invoice_of(request)
    client.force_login(people["citizen"])
    gateway_page = start(client, request)
    callback = client.post(gateway_page, {"decision": "pay"})["Location"]
    client.get(callback)
    events = events_for("invoice", invoice.pk).count()
    for _ in range(3):
        assert client.get(callback).status_code == 302
        client.logout()  # a replay needs no session either
    assert Payment.objects.filter(invoice=invoice, status=PaymentStatus.PAID).count() == 1
    assert LedgerEntry.objects.filter(invoice=invoice).count() == 1
    assert events_for("invoice", invoice.pk).count() == events
    # Paying the page again after it is paid: the gateway's page only leads back.
    assert client.post(gateway_page, {"decision": "pay"}).status_code == 302
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_a_tampered_signature_is_refused_and_changes_nothing(client, people):
    request = file_online_request(people)
    invoice = invoice_of(request)
    client.force_login(people["citizen"])
    callback = client.post(start(client, request), {"decision": "pay"})["Location"]
    token = token_in(callback)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    url = reverse("payments:gateway_callback", args=["sandbox"])
    for params in ({"token": forged}, {"token": ""}, {}, {"token": "x" * 5000}):
        response = client.get(url, params)
        assert response.status_code == 400
        assert "معتبر نیست" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.UNPAID
    assert Payment.objects.get(invoice=invoice).status == PaymentStatus.PENDING
    with pytest.raises(CallbackRejected):
        handle_callback("sandbox", {"token": forged})
    assert client.get(reverse("payments:gateway_callback", args=["nope"]), {}).status_code == 404


def test_a_tampered_amount_is_refused_even_when_signed(client, people):
    """A callback naming another amount than the payment's — even one a gateway signed — pays
    nothing; the server-side verification checks the amount too."""
    request = file_online_request(people)
    invoice = invoice_of(request)
    client.force_login(people["citizen"])
    gateway_page = start(client, request)
    payment = Payment.objects.get(invoice=invoice)
    decide(payment.authority, pay=True)
    token = signing.dumps(
        {"authority": payment.authority, "status": "paid", "amount": 1000}, salt=SALT
    )
    response = client.get(reverse("payments:gateway_callback", args=["sandbox"]), {"token": token})
    assert response.status_code == 400
    assert "مبلغ" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    # The gateway's own books say it took less than is due: verification refuses it.
    SandboxTransaction.objects.filter(authority=payment.authority).update(amount_rials=1000)
    honest = signing.dumps(
        {"authority": payment.authority, "status": "paid", "amount": payment.amount_rials},
        salt=SALT,
    )
    handle_callback("sandbox", {"token": honest})
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED and invoice.status == InvoiceStatus.UNPAID
    assert SandboxTransaction.objects.get(authority=payment.authority).verified_at is None
    assert not LedgerEntry.objects.filter(invoice=invoice).exists()
    assert gateway_page.endswith(f"/{payment.authority}/")


def test_cancelling_at_the_gateway_takes_nothing_and_the_citizen_can_pay_again(client, people):
    request = file_online_request(people)
    invoice = invoice_of(request)
    client.force_login(people["citizen"])
    callback = client.post(start(client, request), {"decision": "cancel"})["Location"]
    client.get(callback)
    assert Payment.objects.get(invoice=invoice).status == PaymentStatus.CANCELLED
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.UNPAID
    callback = client.post(start(client, request), {"decision": "pay"})["Location"]
    client.get(callback)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert sorted(Payment.objects.filter(invoice=invoice).values_list("status", flat=True)) == [
        "cancelled",
        "paid",
    ]


def test_two_payments_started_for_one_invoice_pay_it_once(client, people):
    """A double click starts two gateway payments; the payer pays both pages. The first
    callback settles the invoice; the second is never confirmed, so the bank returns it."""
    request = file_online_request(people)
    invoice = invoice_of(request)
    client.force_login(people["citizen"])
    first, second = start(client, request), start(client, request)
    callbacks = [client.post(page, {"decision": "pay"})["Location"] for page in (first, second)]
    for url in callbacks:
        client.get(url)
    payments = Payment.objects.filter(invoice=invoice).order_by("pk")
    assert [p.status for p in payments] == [PaymentStatus.PAID, PaymentStatus.FAILED]
    verified = SandboxTransaction.objects.filter(
        authority__in=[p.authority for p in payments], verified_at__isnull=False
    )
    assert list(verified.values_list("authority", flat=True)) == [payments[0].authority]
    assert LedgerEntry.objects.filter(invoice=invoice).count() == 1
    # And pressing "pay" once more is refused with a message.
    response = client.post(reverse("payments:pay", args=[request.tracking_code]))
    assert response.status_code == 302
    assert Payment.objects.filter(invoice=invoice).count() == 2


def test_who_may_pay_online(client, people):
    office_request = file_office_request(people)
    with pytest.raises(PaymentError) as exc:
        begin_online_payment(
            invoice_of(office_request).pk,
            actor=people["citizen"],
            callback_url="/cb/",
            request=None,
        )
    assert exc.value.code == "at_office"
    online = file_online_request(people)
    with pytest.raises(PaymentError) as exc:
        begin_online_payment(
            invoice_of(online).pk, actor=people["operator-1001"], callback_url="/cb/", request=None
        )
    assert exc.value.code == "not_yours"
    client.force_login(people["operator-1001"])
    assert client.post(reverse("payments:pay", args=[online.tracking_code])).status_code == 404
    assert not Payment.objects.filter(invoice__request=online).exists()


def test_an_unknown_sandbox_page_is_not_found(client):
    assert client.get(reverse("payments:sandbox_gateway", args=["nope"])).status_code == 404
    assert client.post(reverse("payments:sandbox_gateway", args=["x" * 500])).status_code == 404


def test_pending_payments_are_reconciled_by_the_periodic_task(people):
    paid_request, left_request, fresh_request = (file_online_request(people) for _ in range(3))
    started = {}
    for name, request in (("paid", paid_request), ("left", left_request), ("fresh", fresh_request)):
        payment, _start = begin_online_payment(
            invoice_of(request).pk, actor=people["citizen"], callback_url="/cb/", request=None
        )
        started[name] = payment
    decide(started["paid"].authority, pay=True)  # paid at the gateway; the callback was lost
    decide(started["fresh"].authority, pay=True)
    old = timezone.now() - dt.timedelta(minutes=settings.PISHKHAN_PAYMENT_RECONCILE_MINUTES + 1)
    Payment.objects.filter(pk__in=[started["paid"].pk, started["left"].pk]).update(created_at=old)

    assert reconcile_payments.apply().get() == {"paid": 1, "failed": 1}
    statuses = {n: Payment.objects.get(pk=p.pk).status for n, p in started.items()}
    assert statuses == {"paid": "paid", "left": "failed", "fresh": "pending"}
    assert invoice_of(paid_request).status == InvoiceStatus.PAID
    assert invoice_of(left_request).status == InvoiceStatus.UNPAID
    assert Payment.objects.get(pk=started["left"].pk).failure_reason == "abandoned at the gateway"
    # Run again: nothing left to do; the late payer's callback changes nothing.
    assert reconcile_pending() == {}
    decide(started["left"].authority, pay=True)
    record = SandboxTransaction.objects.get(authority=started["left"].authority)
    assert record.status == SandboxStatus.PAID
    handle_callback("sandbox", {"token": token_in(decide(record.authority, pay=True))})
    assert Payment.objects.get(pk=started["left"].pk).status == PaymentStatus.FAILED
    assert SandboxTransaction.objects.get(pk=record.pk).verified_at is None  # returned


def test_the_beat_schedule_runs_the_reconciliation():
    entry = settings.CELERY_BEAT_SCHEDULE["payments-reconcile"]
    assert entry["task"] == reconcile_payments.name == "pishkhan.payments.tasks.reconcile_payments"
    assert entry["schedule"] <= settings.PISHKHAN_PAYMENT_RECONCILE_MINUTES * 60


def test_a_gateway_payment_for_an_invoice_no_longer_payable_is_not_taken(people):
    request = file_online_request(people)
    invoice = invoice_of(request)
    payment, _start = begin_online_payment(
        invoice.pk, actor=people["citizen"], callback_url="/cb/", request=None
    )
    # The citizen cancels the request while the gateway's page is still open: the invoice is
    # void; the payment made after it is never confirmed, so the bank returns the money.
    from pishkhan.cases.services import transition

    transition(request.pk, "cancel", people["citizen"])
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID
    handle_callback("sandbox", {"token": token_in(decide(payment.authority, pay=True))})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert SandboxTransaction.objects.get(authority=payment.authority).verified_at is None
    with pytest.raises(PaymentError) as exc:
        begin_online_payment(invoice.pk, actor=people["citizen"], callback_url="/", request=None)
    assert exc.value.code == "void"


def test_an_attempt_left_at_the_gateway_does_not_look_like_a_second_charge(
    client, people, money_settings
):
    """The citizen leaves the gateway's page, starts again and pays: the first attempt stays
    pending until the reconciliation closes it, and the page says it took nothing."""
    request = file_online_request(people)
    client.force_login(people["citizen"])
    start(client, request)  # left at the gateway
    paid = start(client, request)
    client.get(client.post(paid, {"decision": "pay"})["Location"])
    html = client.get(reverse("cases:portal_request", args=[request.tracking_code])).content
    html = html.decode()
    assert 'data-payment-status="pending"' in html
    assert "تکمیل نشد (خودکار بسته می‌شود؛ چیزی برداشت نمی‌شود)" in html
    assert ">در انتظار<" not in html
