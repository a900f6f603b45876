"""Changes to the office registry, as named actions (called by the admin, commands and tests)."""

from __future__ import annotations

from django.db import transaction

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.accounts.services import set_password_path
from pishkhan.catalog.models import Service
from pishkhan.core.links import absolute
from pishkhan.core.money import ensure_rials
from pishkhan.notify.services import enqueue_sms

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


@transaction.atomic
def remove_offering(office: Office, service: Service) -> None:
    OfficeService.objects.filter(office=office, service=service).delete()


@transaction.atomic
def add_operator(
    office: Office, *, first_name: str, last_name: str, national_code: str, mobile: str
) -> User:
    """A new operator account for the office, without a password: the operator sets it through
    the link sent to their mobile."""
    number = User.objects.filter(office=office, role=Role.OFFICE_OPERATOR).count() + 1
    username = f"operator-{office.licence_number}-{number}"
    while User.objects.filter(username=username).exists():
        number += 1
        username = f"operator-{office.licence_number}-{number}"
    operator = User(
        username=username,
        role=Role.OFFICE_OPERATOR,
        office=office,
        province_id=office.province_id,
        first_name=first_name,
        last_name=last_name,
        national_code=national_code,
        mobile=mobile,
    )
    operator.set_unusable_password()
    operator.full_clean()
    operator.save()
    enqueue_sms(
        mobile,
        f"حساب اپراتور دفتر «{office.name}» برای شما ساخته شد.\nنام کاربری: {username}\n"
        f"تعیین گذرواژه: {absolute(set_password_path(operator))}",
        subject_type="office",
        subject_id=str(office.pk),
        event="operator_added",
        sensitive=True,
    )
    return operator
