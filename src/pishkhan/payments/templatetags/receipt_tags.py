"""``{% printed_receipt req as printed %}``: the receipt of a request with its signed QR code, for
templates rendered by lower layers (the counter's and the portal's receipt pages in ``cases``,
which cannot import ``payments``)."""

from __future__ import annotations

from typing import Any

from django import template

from ..receipts import PrintedReceipt, printed, receipt_for_request

register = template.Library()


@register.simple_tag(takes_context=True)
def printed_receipt(context: Any, service_request: Any) -> PrintedReceipt | None:
    """The caller has already checked that the viewer may see ``service_request``."""
    receipt = receipt_for_request(service_request)
    if receipt is None:
        return None
    return printed(context["request"], receipt)
