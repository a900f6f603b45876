"""Changes to the office registry, as named actions (called by the admin, commands and tests)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pishkhan.accounts.identity import confirmed_adult
from pishkhan.accounts.models import User
from pishkhan.accounts.roles import STAFF_ROLES, Role
from pishkhan.accounts.services import set_password_path
from pishkhan.catalog.models import Service
from pishkhan.core.audit import record_event
from pishkhan.core.links import absolute
from pishkhan.core.money import ensure_rials
from pishkhan.notify.services import enqueue_sms

from .entitlements import check_can_add
from .models import Office, OfficeService

# Staff accounts are audited on their own chain each (subject "user", the account's id): the
# office's chain is its licence history (licensing.services.office_history).
USER_SUBJECT = "user"


def _locked_office(office: Office) -> Office:
    """The office's row, locked and read afresh: its licence status as it is now (the regulator's
    steps take the same lock), not as the signed-in user's cached copy had it."""
    return Office.objects.select_for_update(of=("self",)).get(pk=office.pk)


def check_can_manage(office: Office) -> None:
    """An office whose licence is not active (suspended, revoked, expired) files nothing, and
    its staff and services are frozen with it: no operator added or re-activated, no fee set,
    no service offered or withdrawn. Deactivating an operator stays possible (decision 47)."""
    if not office.can_file_requests:
        raise ValidationError(
            _(
                "This office's licence is %(status)s, so its staff and services cannot be "
                "changed until the licence is active again. Operators can still be deactivated."
            ),
            code="office_inactive",
            params={"status": office.get_status_display()},
        )


@transaction.atomic
def set_office_fee(office: Office, service: Service, amount_rials: int) -> OfficeService:
    """Offer a service at an office for a fee, or change the fee it already charges.

    The one writer of an office's fee: the office's licence must be active
    (``check_can_manage``), the fee is checked against the cap in force today and the service
    must be offered at offices (``OfficeService.clean``); a refusal raises ``ValidationError``
    and changes nothing.
    """
    ensure_rials(amount_rials)
    office = _locked_office(office)
    check_can_manage(office)
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
    office = _locked_office(office)
    check_can_manage(office)
    OfficeService.objects.filter(office=office, service=service).delete()


def _check_national_code_free(office: Office, national_code: str, *, exclude: User | None) -> None:
    """One person, one staff account at a time: refuse a national code that already has an
    active staff account anywhere, or any account (active or not) at this office."""
    if not national_code:
        return
    accounts = User.objects.filter(national_code=national_code, role__in=STAFF_ROLES)
    if exclude is not None:
        accounts = accounts.exclude(pk=exclude.pk)
    here = accounts.filter(office=office).first()
    if here is not None:
        if here.is_active:
            message = _("This national code already has a staff account at this office: %(u)s.")
        else:
            message = _(
                "This national code already has a deactivated account at this office: %(u)s. "
                "Re-activate it instead of making another."
            )
        raise ValidationError(
            {"national_code": ValidationError(message % {"u": here.username}, code="taken")}
        )
    if accounts.filter(is_active=True).exists():
        raise ValidationError(
            {
                "national_code": ValidationError(
                    _(
                        "This national code already has an active staff account elsewhere. "
                        "A person has one staff account at a time: that account must be "
                        "deactivated first."
                    ),
                    code="taken_elsewhere",
                )
            }
        )


@transaction.atomic
def add_operator(
    office: Office,
    *,
    first_name: str,
    last_name: str,
    national_code: str,
    mobile: str,
    actor: User | None = None,
) -> User:
    """A new operator account for the office, without a password: the operator sets it through
    the link sent to their mobile. Refused for an office whose licence is not active, for a
    national code that already has a staff account (``_check_national_code_free``), for a
    national code and mobile the identity registry does not confirm as one person's, and for a
    minor (``confirmed_adult``); the account is named as the registry names that person,
    whatever was typed."""
    office = _locked_office(office)
    check_can_manage(office)
    _check_national_code_free(office, national_code, exclude=None)
    identity = confirmed_adult(national_code, mobile)
    first_name = identity.first_name or first_name
    last_name = identity.last_name or last_name
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
    record_event(
        USER_SUBJECT,
        operator.pk,
        action="create",
        actor=actor,
        to_state="active",
        data={"office": office.licence_number, "role": operator.role},
        first=True,
    )
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


@transaction.atomic
def set_operator_active(office: Office, operator_id: int, active: bool, *, actor: User) -> User:
    """Deactivate an operator of ``office`` (who can then no longer sign in; a session already
    open ends at its next request), or re-activate one.

    Only the office's own operators: another office's account, a manager (the actor included)
    or a citizen is ``User.DoesNotExist``, which the page shows as a 404. Deactivating is
    always possible; re-activating follows the rules of adding one (an active licence, no other
    active staff account for the person)."""
    operator = (
        User.objects.select_for_update()
        .filter(office=office, role=Role.OFFICE_OPERATOR)
        .exclude(pk=actor.pk)
        .get(pk=operator_id)
    )
    if operator.is_active == active:
        return operator
    if active:
        locked = _locked_office(office)
        check_can_manage(locked)
        _check_national_code_free(locked, operator.national_code, exclude=operator)
    operator.is_active = active
    operator.save(update_fields=["is_active"])  # through save(): the kept copy is forgotten
    record_event(
        USER_SUBJECT,
        operator.pk,
        action="reactivate" if active else "deactivate",
        actor=actor,
        from_state="inactive" if active else "active",
        to_state="active" if active else "inactive",
        data={"office": office.licence_number},
    )
    return operator
