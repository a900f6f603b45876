"""Changes to the catalogue, as named actions (called by the admin, the loader and tests)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pishkhan.core.money import ensure_rials

from .models import Fee, FeeKind, Service, VatRate


@transaction.atomic
def set_fee(
    service: Service,
    kind: str,
    amount_rials: int,
    effective_from: dt.date,
    *,
    source: str = "",
    allow_past: bool = False,
) -> Fee:
    """Schedule a fee from a date. The past is never rewritten.

    A fee already in force (effective today or earlier) cannot be changed; a new amount takes
    effect from today or a later date. ``allow_past`` is for loading an agency's published
    history, and still refuses to change a row that exists with another amount.
    """
    ensure_rials(amount_rials)
    if kind not in FeeKind.values:
        raise ValidationError(_("Unknown fee kind."))
    if amount_rials < 0:
        raise ValidationError(_("A fee cannot be negative."))
    if kind == FeeKind.OFFICE_CAP and not service.offered_at_office:
        raise ValidationError(_("This service is not offered at offices, so it has no office fee."))
    today = timezone.localdate()
    if effective_from < today and not allow_past:
        raise ValidationError(_("A fee change takes effect from today or a later date."))
    existing = (
        Fee.objects.select_for_update()
        .filter(service=service, kind=kind, effective_from=effective_from)
        .first()
    )
    if existing is not None:
        if existing.amount_rials == amount_rials:
            return existing
        if existing.effective_from <= today:
            raise ValidationError(_("A fee already in force cannot be changed."))
        existing.amount_rials = amount_rials
        existing.source = source
        existing.save(update_fields=["amount_rials", "source"])
        return existing
    return Fee.objects.create(
        service=service,
        kind=kind,
        amount_rials=amount_rials,
        effective_from=effective_from,
        source=source,
    )


@transaction.atomic
def set_vat_rate(
    percent: int, effective_from: dt.date, *, source: str = "", allow_past: bool = False
) -> VatRate:
    """Schedule a VAT rate on office fees from a date. The past is never rewritten, exactly as
    for fees (``set_fee``): a rate in force stays; a new one takes effect today or later."""
    ensure_rials(percent)  # a whole number, never a float
    if not 0 <= percent <= 100:
        raise ValidationError(_("A VAT rate is a whole percent between 0 and 100."))
    today = timezone.localdate()
    if effective_from < today and not allow_past:
        raise ValidationError(_("A VAT rate change takes effect from today or a later date."))
    existing = VatRate.objects.select_for_update().filter(effective_from=effective_from).first()
    if existing is not None:
        if existing.percent == percent:
            return existing
        if existing.effective_from <= today:
            raise ValidationError(_("A VAT rate already in force cannot be changed."))
        existing.percent = percent
        existing.source = source
        existing.save(update_fields=["percent", "source"])
        return existing
    return VatRate.objects.create(percent=percent, effective_from=effective_from, source=source)


AGENCY_ADMIN_GROUP = "Agency administrators"
_AGENCY_ADMIN_MODELS = ("service", "requireddocument", "formfield", "fee")


def ensure_agency_admin_group() -> object:
    """The permission group that lets agency administrators manage their services in the admin.

    Which services they see is still decided by ``Service.objects.editable_by``.
    """
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=AGENCY_ADMIN_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="catalog", content_type__model__in=_AGENCY_ADMIN_MODELS
    ).exclude(codename="delete_service") | Permission.objects.filter(
        content_type__app_label="workflow",
        codename__in=[
            "view_workflowdefinition",
            "add_workflowdefinition",
            "change_workflowdefinition",
        ],
    )
    group.permissions.add(*permissions)
    return group
