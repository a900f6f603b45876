"""Identity inquiry: does this national code exist, and does this mobile belong to it?

The embedded default answers from the local registry (``IdentityRecord``); production points
``PISHKHAN_IDENTITY_BACKEND`` at an adapter for the national services with the same function.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import import_module
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pishkhan.core.i18n import active_language
from pishkhan.core.text import digits_for_language

from .models import IdentityRecord, User
from .roles import Role

# The age of majority for what the platform asks of a person on their own: a parent acts for a
# younger student (education), and staff of an office must have reached it (decision 53).
ADULT_AGE = 18


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class Identity:
    national_code: str
    first_name: str
    last_name: str
    mobile: str
    province_id: int | None
    # None when the adapter does not say (a mobile-ownership inquiry alone does not).
    birth_date: dt.date | None = None

    def is_minor(self, on: dt.date | None = None) -> bool:
        """Known to be under ADULT_AGE; an unknown birth date is not taken as a minor's."""
        if self.birth_date is None:
            return False
        return age_on(self.birth_date, on or timezone.localdate()) < ADULT_AGE


class IdentityMismatch(Exception):
    """The national code is unknown, or the mobile is not registered to it. Deliberately one
    error for both, so the answer does not reveal which."""


class IdentityBackend(Protocol):
    def inquire(self, national_code: str, mobile: str) -> Identity: ...


class LocalRegistry:
    def inquire(self, national_code: str, mobile: str) -> Identity:
        record = IdentityRecord.objects.filter(national_code=national_code).first()
        if record is None or record.mobile != mobile:
            raise IdentityMismatch(national_code)
        return Identity(
            record.national_code,
            record.first_name,
            record.last_name,
            record.mobile,
            record.province_id,
            record.birth_date,
        )


def backend() -> IdentityBackend:
    path = getattr(
        settings, "PISHKHAN_IDENTITY_BACKEND", "pishkhan.accounts.identity.LocalRegistry"
    )
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)()  # type: ignore[no-any-return]


def confirmed_adult(
    national_code: str,
    mobile: str,
    *,
    national_code_field: str = "national_code",
    mobile_field: str = "mobile",
) -> Identity:
    """The identity registry's record of the person who is to work at an office (an operator, or
    a licence application's manager): the registry must confirm the national code and mobile as
    one person's (ValidationError on the mobile's field), and that person must be an adult
    (ValidationError on the national code's field)."""
    try:
        identity = backend().inquire(national_code, mobile)
    except IdentityMismatch:
        raise ValidationError(
            {
                mobile_field: ValidationError(
                    _(
                        "The identity registry does not confirm this mobile number as this "
                        "national code's: check both, or ask the person for the mobile "
                        "registered in their name."
                    ),
                    code="identity",
                )
            }
        ) from None
    if identity.is_minor():
        raise ValidationError(
            {
                national_code_field: ValidationError(
                    _(
                        "According to the identity registry this person is under %(age)s: "
                        "an office's staff and managers must be adults."
                    ),
                    code="minor",
                    # The figure in the UI's digits (Persian digits in Persian).
                    params={"age": digits_for_language(ADULT_AGE, active_language())},
                )
            }
        )
    return identity


@transaction.atomic
def citizen_for(national_code: str, mobile: str) -> User:
    """The citizen's account, checked against the registry and created on first contact."""
    identity = backend().inquire(national_code, mobile)
    user = User.objects.filter(role=Role.CITIZEN, national_code=identity.national_code).first()
    if user is None:
        user = User(
            username=identity.national_code,
            role=Role.CITIZEN,
            national_code=identity.national_code,
        )
        user.set_unusable_password()
    user.first_name, user.last_name = identity.first_name, identity.last_name
    user.mobile, user.province_id = identity.mobile, identity.province_id
    user.save()
    return user
