"""Who may open which staff page: one decorator, used by every staff view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse


def otp_required_for(user: Any) -> bool:
    return bool(settings.PISHKHAN_STAFF_OTP) and getattr(user, "is_staff_role", False)


def roles_required(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Only signed-in users with one of these roles (and a second factor when it is on).

    Anyone else signed in gets a 404, as for anything outside their scope.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if otp_required_for(user) and not user.is_verified():  # type: ignore[union-attr]
                return redirect_to_login(request.get_full_path())
            if user.role not in roles:  # type: ignore[union-attr]
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
