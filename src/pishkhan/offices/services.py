"""Changes to the office registry, as named actions (called by the admin, commands and tests)."""

from __future__ import annotations

from django.db import transaction

from pishkhan.catalog.models import Service
from pishkhan.core.money import ensure_rials

from .entitlements import check_can_add
from .models import Office, OfficeService


@transaction.atomic
def set_office_fee(office: Office, service: Service, amount_rials: int) -> OfficeService:
    """Offer a service at an office for a fee, or change the fee it already charges.

    The one writer of an office's fee: the fee is checked against the cap in force today and
    the service must be offered at offices (``OfficeService.clean``); a refusal raises
    ``ValidationError`` and changes nothing.
    """
    ensure_rials(amount_rials)
    offering = (
        OfficeService.objects.select_for_update().filter(office=office, service=service).first()
    )
    if offering is None:
        check_can_add(office)
        offering = OfficeService(office=office, service=service)
    offering.office_fee_rials = amount_rials
    offering.full_clean()
    offering.save()
    return offering
