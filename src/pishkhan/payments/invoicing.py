"""The invoice of a request, made when the request is filed — in the same transaction, through
the workflow's state-change hook (cases, a lower layer, knows nothing of payments)."""

from __future__ import annotations

from django.utils import timezone

from pishkhan.core.rows import insert_row
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
