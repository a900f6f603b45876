"""Who may open which signed-in page: one decorator, used by every staff and portal view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import resolve_url

from .middleware import concrete_user
from .roles import FEE_CAP_SETTERS


def otp_required_for(user: Any) -> bool:
    return bool(settings.PISHKHAN_STAFF_OTP) and getattr(user, "is_staff_role", False)


def may_set_fee_caps(user: Any) -> bool:
    """The regulator and the national administrator schedule office-fee caps; no one else, in
    the admin or anywhere (decision 66)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or user.role in FEE_CAP_SETTERS


def roles_required(
    *roles: str, login_url: str | None = None
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Only signed-in users with one of these roles (and a second factor when it is on).

    Anyone else signed in gets a 404, as for anything outside their scope.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            target = resolve_url(login_url) if login_url else None
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), target)
            if otp_required_for(user) and not user.is_verified():  # type: ignore[union-attr]
                return redirect_to_login(request.get_full_path(), target)
            if user.role not in roles:  # type: ignore[union-attr]
                raise Http404
            # The view and what it calls read the user itself, not through the lazy wrapper.
            request.user = concrete_user(user)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
