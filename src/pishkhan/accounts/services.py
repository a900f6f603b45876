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


def set_password_path(user: User) -> str:
    """A one-time link (Django's password-reset token) for a new staff account to set its
    password; sent by SMS to the person's own mobile."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return reverse(
        "accounts:set_password",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )


def citizen_username(national_code: str) -> str:
    # Citizens are known by their national code; their login (by one-time code) uses it too.
    return national_code


__all__ = ["Role", "citizen_username", "ensure_user", "set_password_path"]
