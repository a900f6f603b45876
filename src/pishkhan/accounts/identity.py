"""Identity inquiry: does this national code exist, and does this mobile belong to it?

The embedded default answers from the local registry (``IdentityRecord``); production points
``PISHKHAN_IDENTITY_BACKEND`` at an adapter for the national services with the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Protocol

from django.conf import settings
from django.db import transaction

from .models import IdentityRecord, User
from .roles import Role


@dataclass(frozen=True)
class Identity:
    national_code: str
    first_name: str
    last_name: str
    mobile: str
    province_id: int | None


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
        )


def backend() -> IdentityBackend:
    path = getattr(
        settings, "PISHKHAN_IDENTITY_BACKEND", "pishkhan.accounts.identity.LocalRegistry"
    )
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)()  # type: ignore[no-any-return]


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
