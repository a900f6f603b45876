"""``{% request_money req as money %}``: a request's invoice, payments and refunds, and what the
viewer may do about them — for the request pages of ``cases``, which cannot import payments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from pishkhan.accounts.roles import OFFICE_ROLES, Role

from ..models import Invoice, Payment, Refund

register = template.Library()


@dataclass(frozen=True)
class RequestMoney:
    invoice: Invoice
    payments: list[Payment]
    refunds: list[Refund]
    can_pay_online: bool
    can_record_payment: bool


@register.simple_tag(takes_context=True)
def request_money(context: Any, service_request: Any) -> RequestMoney | None:
    """The caller has already checked that the viewer may see ``service_request``."""
    invoice = Invoice.objects.filter(request_id=service_request.pk).first()
    if invoice is None:
        return None
    user = context["request"].user
    payments = list(invoice.payments.select_related("received_by").order_by("created_at"))
    refunds = list(invoice.refunds.order_by("created_at")) if invoice.refunded_rials else []
    role = getattr(user, "role", "")
    return RequestMoney(
        invoice=invoice,
        payments=payments,
        refunds=refunds,
        can_pay_online=invoice.is_payable
        and invoice.office_id is None
        and role == Role.CITIZEN
        and service_request.citizen_id == user.pk,
        can_record_payment=invoice.is_payable
        and invoice.office_id is not None
        and role in OFFICE_ROLES
        and user.office_id == invoice.office_id,
    )
