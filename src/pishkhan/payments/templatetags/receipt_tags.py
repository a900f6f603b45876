"""``{% printed_receipt req as printed %}``: the receipt of a request with its signed QR code, for
templates rendered by lower layers (the counter's and the portal's receipt pages in ``cases``,
which cannot import ``payments``). ``{% request_page req as back %}``: the request's own page
for the viewer, which the receipt page links back to."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from pishkhan.accounts.roles import AGENCY_ROLES, OFFICE_ROLES, Role

from ..receipts import PrintedReceipt, printed, receipt_for_request

register = template.Library()


@register.simple_tag(takes_context=True)
def printed_receipt(context: Any, service_request: Any) -> PrintedReceipt | None:
    """The caller has already checked that the viewer may see ``service_request``."""
    receipt = receipt_for_request(service_request)
    if receipt is None:
        return None
    return printed(context["request"], receipt)


@register.simple_tag(takes_context=True)
def request_page(context: Any, service_request: Any) -> str:
    """The address of the request's page as the viewer's role sees it ("" for a role with no
    such page): the citizen's, the counter's or the agency's."""
    role = getattr(context.get("user"), "role", None)
    if role == Role.CITIZEN:
        name = "cases:portal_request"
    elif role in OFFICE_ROLES:
        name = "cases:office_request"
    elif role in AGENCY_ROLES:
        name = "cases:agency_request"
    else:
        return ""
    return reverse(name, args=[service_request.tracking_code])
