"""Refunds by rule: when a request is rejected or cancelled, refund what its service's rule says,
of what was actually paid — in the transaction of the state change (a workflow listener).

The rule is data (``RefundRule``, per service and final state, edited in the admin); without a
row the documented default applies: the government fee is refunded, the office fee and its VAT
are kept — the office did its work when it filed the request. An online request has no office
fee, so it gets back everything it paid. An invoice nobody paid becomes void instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from pishkhan.workflow.events import StateChange, register

from .ledger import refundable
from .models import Invoice, InvoiceStatus, Refund, RefundRule
from .services import refund_locked, void_locked

REQUEST_SUBJECT = "service_request"
REFUNDING_STATES = ("rejected", "cancelled")

REASONS = {
    "rejected": "درخواست رد شد؛ بازپرداخت طبق قاعده خدمت.",
    "cancelled": "درخواست لغو شد؛ بازپرداخت طبق قاعده خدمت.",
}


@dataclass(frozen=True)
class Rule:
    government: bool
    office_fee: bool
    name: str


DEFAULT_RULE = Rule(government=True, office_fee=False, name="default rule")


def rule_for(service_id: int, state: str) -> Rule:
    row = RefundRule.objects.filter(service_id=service_id, state=state).first()
    if row is None:
        return DEFAULT_RULE
    return Rule(row.refund_government, row.refund_office_fee, "service rule")


def lines_under(rule: Rule, left: dict[str, int]) -> dict[str, int]:
    """What the rule refunds of what is left to refund (the VAT follows the office fee)."""
    codes = (["government"] if rule.government else []) + (
        ["office_fee", "vat"] if rule.office_fee else []
    )
    return {code: left[code] for code in codes if left.get(code, 0) > 0}


@register
def refund_on_final_state(change: StateChange) -> None:
    if change.subject_type != REQUEST_SUBJECT or change.to_state not in REFUNDING_STATES:
        return
    request = change.subject
    invoice = Invoice.objects.select_for_update().filter(request_id=request.pk).first()
    if invoice is None:
        return
    if invoice.status == InvoiceStatus.UNPAID:
        void_locked(invoice, change.actor, change.to_state)
        return
    if not invoice.is_settled:
        return
    rule = rule_for(request.service_id, change.to_state)
    left = refundable(
        invoice.lines, Refund.objects.filter(invoice=invoice).values_list("lines", flat=True)
    )
    wanted = lines_under(rule, left)
    if wanted:
        refund_locked(
            invoice,
            lines=wanted,
            reason=REASONS[change.to_state],
            actor=change.actor,
            rule=f"{change.to_state}: {rule.name}",
        )
