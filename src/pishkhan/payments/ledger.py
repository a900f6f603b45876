"""The ledger rows of a money movement: one per fee line moved, with who collected it.

Pure functions, used by the payment and refund services and by anything that must write the
same rows in bulk (the settlement reconciliation test), so settlement always reads rows made by
one piece of code. Also the refund arithmetic: what of an invoice may still be refunded, line by
line, and a refund's lines checked against it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from pishkhan.core.i18n import active_language
from pishkhan.core.money import ensure_rials, format_rials

from .errors import PaymentError
from .models import Invoice, LedgerEntry, Movement, Payment, Refund

# The fee lines and whom each belongs to (settlement's columns).
LINES = ("government", "office_fee", "vat")


def payment_entries(invoice: Invoice, payment: Payment, at: dt.datetime) -> list[LedgerEntry]:
    """A paid payment moves every fee line of its invoice to the collector."""
    return [
        LedgerEntry(
            invoice=invoice,
            payment=payment,
            movement=Movement.PAYMENT,
            line=line["code"],
            amount_rials=int(line["amount"]),
            collector_id=invoice.office_id,
            agency_id=invoice.agency_id,
            province_id=invoice.province_id,
            method=payment.method,
            at=at,
        )
        for line in invoice.lines
        if int(line["amount"]) > 0
    ]


def refund_entries(
    invoice: Invoice, payment: Payment, refund: Refund, at: dt.datetime
) -> list[LedgerEntry]:
    """A refund moves its lines back, out of the collector's hands (negative amounts)."""
    return [
        LedgerEntry(
            invoice=invoice,
            payment=payment,
            refund=refund,
            movement=Movement.REFUND,
            line=line["code"],
            amount_rials=-int(line["amount"]),
            collector_id=invoice.office_id,
            agency_id=invoice.agency_id,
            province_id=invoice.province_id,
            method=payment.method,
            at=at,
        )
        for line in refund.lines
        if int(line["amount"]) > 0
    ]


def refundable(
    invoice_lines: Iterable[Mapping[str, Any]], refunded: Iterable[Any]
) -> dict[str, int]:
    """What may still be refunded of each paid line: the line's amount less what earlier refunds
    (their ``lines`` lists) took back. Call only for a paid invoice."""
    left: dict[str, int] = {}
    for line in invoice_lines:
        left[line["code"]] = left.get(line["code"], 0) + int(line["amount"])
    for lines in refunded:
        for line in lines:
            left[line["code"]] = left.get(line["code"], 0) - int(line["amount"])
    return left


def plan_refund(left: Mapping[str, int], wanted: Mapping[str, int]) -> list[dict[str, Any]]:
    """A refund's lines ``[{"code", "amount"}]``, each checked against what may be refunded."""
    planned = []
    for code, amount in wanted.items():
        ensure_rials(amount)
        if amount < 0:
            raise PaymentError("negative", _("A refund is a positive amount."))
        if amount == 0:
            continue
        if code not in left:
            raise PaymentError("unknown_line", _("This invoice has no such fee line to refund."))
        if amount > left[code]:
            raise PaymentError(
                "too_much",
                _(
                    "More than was paid cannot be refunded: at most %(amount)s of this line is "
                    "left to refund."
                )
                % {"amount": format_rials(left[code], active_language())},
            )
        planned.append({"code": code, "amount": amount})
    if not planned:
        raise PaymentError("nothing", _("There is nothing to refund."))
    return planned
