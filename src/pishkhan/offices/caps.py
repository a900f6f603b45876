"""The regulator's office-fee caps: what each service's cap is, and the one action that sets a
new one (decision 66).

A cap is a ``catalog.Fee`` row of kind ``office_cap``, effective-dated like every fee
(``catalog.services.set_fee``): a new cap starts today or later, the past stays as it was. It
lives here, not in catalog, because a lower cap concerns the offices charging above it: their
managers are told by SMS. Their own fee is not rewritten; from the cap's first day a request is
charged at most the cap in force on its filing day (``cases.services.fee_lines_for``), as the
finder, the office's page and the receipt already read it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pishkhan.accounts.access import may_set_fee_caps
from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.catalog.models import Fee, FeeKind, Service
from pishkhan.catalog.services import set_fee
from pishkhan.core.audit import record_event
from pishkhan.core.i18n import active_language
from pishkhan.core.jalali import format_jalali_date
from pishkhan.core.money import ensure_rials, format_rials
from pishkhan.notify.services import enqueue_sms

from .models import OfficeService, OfficeStatus

# The audit chain of a service's caps: one per service, the row locked while it is appended to.
SUBJECT = "service"
ACTION = "set_office_cap"
# Far above any office fee, and well inside the column: a typo of many zeros is refused, not a
# database error.
MAX_CAP_RIALS = 10**12
MAX_REASON = 200  # the fee row's ``source``
# Offices that may file again are told; a revoked or expired office files nothing.
_TOLD = (OfficeStatus.ACTIVE, OfficeStatus.SUSPENDED)


@dataclass(frozen=True)
class CapRow:
    service: Service
    cap: Fee | None  # in force today
    scheduled: list[Fee]  # later rows, soonest first


@dataclass(frozen=True)
class CapChange:
    fee: Fee
    offices_above: int  # offices whose own fee is above the new cap (their managers were told)


def services_with_caps() -> QuerySet[Service]:
    """Every service offered at offices, with its agency: what the page lists and what its form
    may name."""
    return (
        Service.objects.filter(offered_at_office=True)
        .select_related("agency")
        .order_by("agency__name_fa", "name_fa")
    )


def cap_table(on: dt.date | None = None) -> list[CapRow]:
    """Each service offered at offices with the cap in force on ``on`` (today) and any cap
    scheduled after it. Two queries, whatever the number of services."""
    on = on or timezone.localdate()
    services = list(services_with_caps())
    rows: dict[int, list[Fee]] = {s.pk: [] for s in services}
    for fee in Fee.objects.filter(kind=FeeKind.OFFICE_CAP, service__in=rows).order_by(
        "effective_from"
    ):
        rows[fee.service_id].append(fee)
    table = []
    for service in services:
        fees = rows[service.pk]
        current = [f for f in fees if f.effective_from <= on]
        table.append(
            CapRow(
                service=service,
                cap=current[-1] if current else None,
                scheduled=[f for f in fees if f.effective_from > on],
            )
        )
    return table


def set_office_cap(
    service: Service, amount_rials: int, effective_from: dt.date, reason: str, actor: User
) -> CapChange:
    """The regulator's decision: the office-fee cap of a service from a day (today or later).

    Checks everything before writing; a refusal raises ``ValidationError`` (keyed by the form's
    field names where one is to blame) and saves nothing. Audited on the service's chain; the
    managers of offices charging more than the new cap are told by SMS in the same transaction.
    """
    if not may_set_fee_caps(actor):
        raise ValidationError(
            _("Only the Communications Regulatory Authority sets office-fee caps."), code="role"
        )
    ensure_rials(amount_rials)
    reason = reason.strip()
    errors: dict[str, str] = {}
    if amount_rials <= 0:
        errors["amount"] = _("A cap is a positive whole number of Rials.")
    elif amount_rials > MAX_CAP_RIALS:
        errors["amount"] = _("A cap can be at most %(amount)s.") % {
            "amount": format_rials(MAX_CAP_RIALS, active_language())
        }
    today = timezone.localdate()
    if effective_from < today:
        errors["effective_from"] = _(
            "A new cap takes effect from today or a later date; the past stays as it was."
        )
    if not reason:
        errors["reason"] = _("Write the reason for the new cap (the decision's number or basis).")
    elif len(reason) > MAX_REASON:
        errors["reason"] = _("Keep the reason to %(n)s characters.") % {"n": MAX_REASON}
    if not service.offered_at_office:
        errors["service"] = _("This service is not offered at offices, so it has no office fee.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The service's row lock orders two decisions on one service, and its audit chain.
        service = Service.objects.select_for_update().get(pk=service.pk)
        existing = Fee.objects.filter(
            service=service, kind=FeeKind.OFFICE_CAP, effective_from=effective_from
        ).first()
        if (
            existing is not None
            and existing.effective_from <= today
            and existing.amount_rials != amount_rials
        ):
            raise ValidationError(
                {
                    "effective_from": _(
                        "A cap is already in force from this day and cannot be changed; set the "
                        "new cap from tomorrow or later."
                    )
                }
            )
        before = Fee.objects.filter(
            service=service, kind=FeeKind.OFFICE_CAP, effective_from__lte=effective_from
        ).order_by("-effective_from")
        previous = before.exclude(pk=existing.pk if existing else None).first()
        fee = set_fee(service, FeeKind.OFFICE_CAP, amount_rials, effective_from, source=reason)
        above = _offerings_above(service, amount_rials)
        record_event(
            SUBJECT,
            service.pk,
            action=ACTION,
            actor=actor,
            comment=reason,
            data={
                "service": service.code,
                "amount": amount_rials,
                "from": effective_from.isoformat(),
                "previous": previous.amount_rials if previous else None,
                "offices_above": len(above),
            },
        )
        _tell_offices(service, fee, above)
    return CapChange(fee=fee, offices_above=len(above))


def _offerings_above(service: Service, amount_rials: int) -> list[OfficeService]:
    return list(
        OfficeService.objects.filter(
            service=service, office_fee_rials__gt=amount_rials, office__status__in=_TOLD
        )
        .select_related("office")
        .order_by("office_id")
    )


def _tell_offices(service: Service, fee: Fee, offerings: list[OfficeService]) -> None:
    """One SMS to each manager of an office whose own fee is above the new cap: from its first
    day the office is paid the cap, and its page refuses a fee above it."""
    if not offerings:
        return
    managers: dict[int, list[str]] = {}
    for office_id, mobile in (
        User.objects.filter(
            office_id__in=[o.office_id for o in offerings],
            role=Role.OFFICE_MANAGER,
            is_active=True,
        )
        .exclude(mobile="")
        .values_list("office_id", "mobile")
    ):
        managers.setdefault(office_id, []).append(mobile)
    day = format_jalali_date(fee.effective_from, "fa")
    cap = format_rials(fee.amount_rials, "fa")
    for offering in offerings:
        body = (
            f"سقف کارمزد دفتر برای خدمت «{service.name_fa}» از {day} {cap} است. "
            f"کارمزد دفتر «{offering.office.name}» "
            f"({format_rials(offering.office_fee_rials, 'fa')}) بیشتر از این سقف است: از آن روز "
            "در هر درخواست همان سقف دریافت می‌شود. کارمزد را در صفحه مدیریت دفتر اصلاح کنید."
        )
        for mobile in managers.get(offering.office_id, []):
            enqueue_sms(
                mobile,
                body,
                subject_type=SUBJECT,
                subject_id=str(service.pk),
                event=ACTION,
            )
