"""Account actions."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .models import User
from .roles import Role


@transaction.atomic
def ensure_user(username: str, role: str, password: str, **fields: Any) -> tuple[User, bool]:
    """Create a user with a role and scope once; an existing user keeps its password.

    Used by demo loading, so that running it again changes nothing.
    """
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    user = User(username=username, role=role, **fields)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user, True


def citizen_username(national_code: str) -> str:
    # Citizens are known by their national code; their login (by one-time code) uses it too.
    return national_code


__all__ = ["Role", "citizen_username", "ensure_user"]
