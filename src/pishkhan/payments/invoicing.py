"""The invoice of a request, made when the request is filed — in the same transaction, through
the workflow's state-change hook (cases, a lower layer, knows nothing of payments) — and the
rule that a step marked ``requires_payment`` (delivering the result, issuing a certificate)
waits until the invoice is paid, through the engine's guard hook."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pishkhan.cases.models import ServiceRequest
from pishkhan.core.rows import insert_row
from pishkhan.workflow.definition import Transition
from pishkhan.workflow.engine import StepRefused, register_guard
from pishkhan.workflow.events import StateChange, register

from .models import Invoice, InvoiceStatus

REQUEST_SUBJECT = "service_request"


@register
def invoice_on_submit(change: StateChange) -> None:
    if change.subject_type != REQUEST_SUBJECT or change.action != "submit":
        return
    request = change.subject
    # With the submission's other rows in one statement (core.rows, decision 31).
    invoice = Invoice(
        request=request,
        office_id=request.office_id,
        agency_id=request.agency_id,
        province_id=request.province_id,
        lines=request.fee_lines,
        total_rials=request.fee_total_rials,
        # A free request owes nothing: settled as it is made.
        **(
            {"status": InvoiceStatus.PAID, "paid_at": timezone.now()}
            if request.fee_total_rials == 0
            else {}
        ),
    )
    insert_row(invoice)


@register_guard
def paid_before_delivery(subject: Any, step: Transition) -> None:
    """A request's result is not handed over, nor its certificate issued, before its fees are
    paid: the office collects them at the counter, the citizen online. A request without an
    invoice (filed before invoices existed) is not held back."""
    if not step.requires_payment or not isinstance(subject, ServiceRequest):
        return
    invoice = Invoice.objects.filter(request_id=subject.pk).only("status", "total_rials").first()
    if invoice is not None and invoice.is_payable:
        raise StepRefused(
            "unpaid",
            _(
                "The fees of this request are not paid yet. It can be delivered once they are: "
                "at the office that filed it, or online by the citizen."
            ),
        )
