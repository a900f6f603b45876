"""Paying and refunding, as named actions called alike by the views, the periodic task, the
demo and tests. Each locks the invoice row, checks, changes, writes the ledger rows of the money
it moves and records an audit event (subject ``invoice``) — in one transaction.

Paying twice is impossible: every payment takes the invoice's row lock and finds it paid, and a
partial unique index allows one paid payment per invoice. A gateway callback is a claim, never
proof: the gateway is asked server to server (``verify``), the amount is checked here, and a
replayed callback finds its payment already decided and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import OFFICE_ROLES, Role
from pishkhan.core.audit import record_event
from pishkhan.core.i18n import active_language
from pishkhan.core.money import ensure_rials, format_rials
from pishkhan.core.text import normalize

from .errors import PaymentError
from .gateways import FAILED, PAID, PENDING, GatewayError, StartResult, get_gateway
from .gateways import default_gateway as _default_gateway
from .ledger import payment_entries, plan_refund, refund_entries, refundable
from .models import (
    Invoice,
    InvoiceStatus,
    LedgerEntry,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

SUBJECT = "invoice"
logger = logging.getLogger(__name__)

__all__ = [
    "SUBJECT",
    "PaymentError",
    "begin_online_payment",
    "handle_callback",
    "reconcile_pending",
    "record_counter_payment",
    "refund",
    "settle_with_gateway",
]


def _locked(invoice_id: int) -> Invoice:
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("request")
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None:
        raise PaymentError("not_found", _("No such invoice."))
    return invoice


def _check_payable(invoice: Invoice, amount_rials: int | None = None) -> None:
    if invoice.status == InvoiceStatus.VOID:
        raise PaymentError(
            "void", _("This request was rejected or cancelled before it was paid; nothing is due.")
        )
    if invoice.is_settled:
        raise PaymentError(
            "already_paid", _("This invoice is already paid; it is never paid twice.")
        )
    if invoice.total_rials == 0:
        raise PaymentError("nothing_due", _("This request is free; there is nothing to pay."))
    if amount_rials is not None and amount_rials != invoice.total_rials:
        raise PaymentError(
            "amount",
            _(
                "The amount received (%(amount)s) is not the amount due (%(due)s). "
                "Nothing was recorded."
            )
            % {
                "amount": format_rials(amount_rials, active_language()),
                "due": format_rials(invoice.total_rials, active_language()),
            },
        )


def _settle(invoice: Invoice, payment: Payment, actor: Any, now: dt.datetime) -> None:
    """Mark the invoice paid by ``payment`` (already saved as paid), under the invoice's lock."""
    invoice.paid_rials = payment.amount_rials
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = now
    invoice.version += 1
    invoice.save(update_fields=["paid_rials", "status", "paid_at", "version"])
    LedgerEntry.objects.bulk_create(payment_entries(invoice, payment, now))
    record_event(
        SUBJECT,
        invoice.pk,
        action="paid",
        actor=actor,
        to_state=invoice.status,
        data={
            "payment": payment.pk,
            "method": payment.method,
            "amount": payment.amount_rials,
            "reference": payment.reference,
            "gateway": payment.gateway,
        },
    )


def record_counter_payment(
    invoice_id: int, *, actor: User, method: str, amount_rials: int, reference: str = ""
) -> Payment:
    """The office's staff record the fee received at the counter: cash, or a card reader (POS)
    whose slip's reference is kept. The amount must be exactly what is due."""
    ensure_rials(amount_rials)
    if method not in (PaymentMethod.CASH, PaymentMethod.POS):
        raise PaymentError("method", _("At the counter the fee is paid in cash or by card (POS)."))
    reference = normalize(reference or "")[:100]
    if method == PaymentMethod.POS and not reference:
        raise PaymentError(
            "reference", _("Write the reference number printed on the card reader's slip.")
        )
    with transaction.atomic():
        invoice = _locked(invoice_id)
        if (
            actor.role not in OFFICE_ROLES
            or invoice.office_id is None
            or actor.office_id != invoice.office_id
        ):
            raise PaymentError(
                "not_office_staff",
                _("Only the staff of the office that filed the request record its payment."),
            )
        _check_payable(invoice, amount_rials)
        now = timezone.now()
        payment = Payment.objects.create(
            invoice=invoice,
            method=method,
            status=PaymentStatus.PAID,
            amount_rials=amount_rials,
            reference=reference if method == PaymentMethod.POS else "",
            received_by=actor,
            settled_at=now,
        )
        _settle(invoice, payment, actor, now)
    return payment


def begin_online_payment(
    invoice_id: int, *, actor: User, callback_url: str, request: HttpRequest
) -> tuple[Payment, StartResult]:
    """The citizen pays an online request's invoice: a pending payment, registered with the
    gateway; the caller sends the payer where the returned ``StartResult`` says."""
    gateway = _default_gateway()
    with transaction.atomic():
        invoice = _locked(invoice_id)
        if actor.role != Role.CITIZEN or invoice.request.citizen_id != actor.pk:
            raise PaymentError(
                "not_yours", _("Only the citizen who filed the request pays it online.")
            )
        if invoice.office_id is not None:
            raise PaymentError(
                "at_office",
                _("This request was filed at an office; its fee is paid at the office's counter."),
            )
        _check_payable(invoice)
        payment = Payment.objects.create(
            invoice=invoice,
            method=PaymentMethod.ONLINE,
            status=PaymentStatus.PENDING,
            amount_rials=invoice.total_rials,
            gateway=gateway.name,
        )
        record_event(
            SUBJECT,
            invoice.pk,
            action="payment_started",
            actor=actor,
            data={"payment": payment.pk, "amount": payment.amount_rials, "gateway": gateway.name},
        )
    # The gateway is called outside the transaction: no row stays locked over the network.
    try:
        result = gateway.start(payment, callback_url=callback_url, request=request)
    except GatewayError:
        _close(payment.pk, PaymentStatus.FAILED, "the gateway refused to start the payment")
        raise
    Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
        authority=result.authority
    )
    payment.authority = result.authority
    return payment, result


def _close(payment_id: int, status: str, reason: str, actor: Any = None) -> Payment:
    """Mark a pending payment failed or cancelled, with its reason (an audit event too)."""
    invoice_id = Payment.objects.values_list("invoice_id", flat=True).get(pk=payment_id)
    with transaction.atomic():
        _locked(invoice_id)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status == PaymentStatus.PENDING:
            _mark_closed(payment, status, reason, actor)
    return payment


def _mark_closed(payment: Payment, status: str, reason: str, actor: Any) -> None:
    payment.status = status
    payment.failure_reason = reason[:300]
    payment.save(update_fields=["status", "failure_reason"])
    record_event(
        SUBJECT,
        payment.invoice_id,
        action="payment_failed" if status == PaymentStatus.FAILED else "payment_cancelled",
        actor=actor,
        data={"payment": payment.pk, "reason": reason[:300]},
    )


def handle_callback(gateway_name: str, params: Mapping[str, str]) -> Payment:
    """The payer's browser is back from the gateway. Read what it claims, then let the gateway
    say what happened (``settle_with_gateway``). Raises ``PaymentError`` (or the gateway's
    ``CallbackRejected``) for a callback that is not genuine; a replay returns the payment as
    it was decided the first time."""
    try:
        gateway = get_gateway(gateway_name)
    except GatewayError:
        raise PaymentError("unknown_gateway", _("No such payment gateway.")) from None
    claim = gateway.read_callback(params)
    payment = (
        Payment.objects.filter(gateway=gateway.name, authority=claim.authority)
        .select_related("invoice__request")
        .first()
    )
    if payment is None:
        raise PaymentError("unknown_payment", _("This answer from the gateway names no payment."))
    if claim.amount_rials is not None and claim.amount_rials != payment.amount_rials:
        logger.warning("callback amount %s != payment %s", claim.amount_rials, payment.pk)
        raise PaymentError(
            "amount_mismatch",
            _(
                "The amount the gateway names is not the amount due, so the payment was not "
                "accepted. If money was taken, the bank returns it."
            ),
        )
    return settle_with_gateway(payment.pk, cancelled=not claim.succeeded)


def settle_with_gateway(
    payment_id: int, *, cancelled: bool = False, abandon: bool = False
) -> Payment:
    """Decide a pending gateway payment by asking the gateway. Paid and for the amount due:
    settled. Failed: closed (``cancelled``: the payer cancelled at the gateway). Still pending:
    left so, unless ``abandon`` (the periodic reconciliation, long after the payer left). An
    invoice paid meanwhile (another payment won) is never paid again: this payment is closed
    without confirming it with the gateway, which then returns the money to the payer."""
    invoice_id = Payment.objects.values_list("invoice_id", flat=True).get(pk=payment_id)
    with transaction.atomic():
        invoice = _locked(invoice_id)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != PaymentStatus.PENDING:
            return payment  # decided already: a replayed callback changes nothing
        payer = invoice.request.citizen if not abandon else None
        if not invoice.is_payable:
            _mark_closed(
                payment,
                PaymentStatus.FAILED,
                "the invoice was already paid or void; not confirmed, so the bank returns it",
                payer,
            )
            return payment
        answer = get_gateway(payment.gateway).verify(payment)
        if answer.status == PAID and answer.amount_rials == payment.amount_rials:
            now = timezone.now()
            payment.status = PaymentStatus.PAID
            payment.settled_at = now
            payment.reference = answer.reference[:100]
            payment.save(update_fields=["status", "settled_at", "reference"])
            _settle(invoice, payment, payer, now)
        elif answer.status == PAID:
            logger.error(
                "gateway took %s for payment %s of %s",
                answer.amount_rials,
                payment.pk,
                payment.amount_rials,
            )
            _mark_closed(payment, PaymentStatus.FAILED, "the gateway took another amount", payer)
        elif answer.status == FAILED:
            status = PaymentStatus.CANCELLED if cancelled else PaymentStatus.FAILED
            _mark_closed(payment, status, answer.message or "refused by the gateway", payer)
        elif answer.status == PENDING and abandon:
            _mark_closed(payment, PaymentStatus.FAILED, "abandoned at the gateway", None)
    return payment


def reconcile_pending(older_than_minutes: int | None = None, limit: int = 500) -> dict[str, int]:
    """Decide the gateway payments left pending (the payer closed the browser, the callback
    never came): ask the gateway about each one older than the given minutes."""
    minutes = (
        settings.PISHKHAN_PAYMENT_RECONCILE_MINUTES
        if older_than_minutes is None
        else older_than_minutes
    )
    cutoff = timezone.now() - dt.timedelta(minutes=minutes)
    pending = (
        Payment.objects.filter(
            status=PaymentStatus.PENDING, method=PaymentMethod.ONLINE, created_at__lt=cutoff
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    counts: Counter[str] = Counter()
    for payment_id in list(pending):
        try:
            counts[settle_with_gateway(payment_id, abandon=True).status] += 1
        except (GatewayError, PaymentError) as exc:
            logger.warning("reconciling payment %s failed: %s", payment_id, exc)
            counts["errors"] += 1
    return dict(counts)


def refund(
    invoice_id: int,
    *,
    lines: Mapping[str, int],
    reason: str,
    actor: Any = None,
    rule: str = "",
) -> Refund:
    """Refund fee lines of a paid invoice (``{"government": 300000}``), never more than what was
    paid of each line less earlier refunds. Refunding what was never paid is refused."""
    with transaction.atomic():
        invoice = _locked(invoice_id)
        return refund_locked(invoice, lines=lines, reason=reason, actor=actor, rule=rule)


def refund_locked(
    invoice: Invoice, *, lines: Mapping[str, int], reason: str, actor: Any, rule: str
) -> Refund:
    """``refund`` for a caller already holding the invoice's row lock (the rule's listener)."""
    reason = normalize(reason or "").strip()
    if not reason:
        raise PaymentError("reason_required", _("Write the reason for the refund."))
    payment = (
        Payment.objects.filter(invoice=invoice, status=PaymentStatus.PAID).first()
        if invoice.is_settled
        else None
    )
    if payment is None:
        raise PaymentError(
            "not_paid", _("Nothing was paid on this invoice, so there is nothing to refund.")
        )
    left = refundable(
        invoice.lines, Refund.objects.filter(invoice=invoice).values_list("lines", flat=True)
    )
    planned = plan_refund(left, lines)
    amount = sum(line["amount"] for line in planned)
    refund_row = Refund.objects.create(
        invoice=invoice,
        payment=payment,
        lines=planned,
        amount_rials=amount,
        reason=reason[:300],
        rule=rule[:100],
        actor=actor if getattr(actor, "pk", None) else None,
    )
    invoice.refunded_rials += amount
    invoice.status = (
        InvoiceStatus.REFUNDED
        if invoice.refunded_rials == invoice.paid_rials
        else InvoiceStatus.PARTLY_REFUNDED
    )
    invoice.version += 1
    invoice.save(update_fields=["refunded_rials", "status", "version"])
    now = timezone.now()
    LedgerEntry.objects.bulk_create(refund_entries(invoice, payment, refund_row, now))
    record_event(
        SUBJECT,
        invoice.pk,
        action="refunded",
        actor=actor,
        to_state=invoice.status,
        comment=reason[:300],
        data={"refund": refund_row.pk, "amount": amount, "lines": planned, "rule": rule},
    )
    return refund_row


def void_locked(invoice: Invoice, actor: Any, state: str) -> None:
    """An unpaid invoice whose request was rejected or cancelled: nothing is due any more."""
    invoice.status = InvoiceStatus.VOID
    invoice.version += 1
    invoice.save(update_fields=["status", "version"])
    record_event(
        SUBJECT,
        invoice.pk,
        action="voided",
        actor=actor,
        to_state=invoice.status,
        data={"request_state": state},
    )
