"""Staff sign-in: user name and password, then a TOTP code when the second factor is on."""

from __future__ import annotations

from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token

from .access import otp_required_for
from .backends import BACKEND
from .forms import OtpForm, StaffLoginForm
from .models import User
from .passwords import NewPasswordForm
from .roles import Role

PENDING = "pishkhan_pending_user"

HOME_BY_ROLE = {
    Role.OFFICE_OPERATOR: "cases:office_home",
    Role.OFFICE_MANAGER: "cases:office_home",
    Role.AGENCY_OFFICER: "cases:agency_queue",
    Role.ASSESSMENT_OFFICER: "cases:agency_queue",
    Role.AGENCY_ADMIN: "admin:index",
    Role.NATIONAL_ADMIN: "admin:index",
    Role.REGULATOR: "licensing:queue",
    Role.PROVINCIAL_ICT: "licensing:queue",
    Role.PROVINCIAL_SUPERVISOR: "insights:my_province",
}


def _next_url(request: HttpRequest, user: User) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    if user.role == Role.WORKING_GROUP and user.province_id:
        # The working group's one page is its province's county capacity.
        return reverse("licensing:capacity", args=[user.province.sci_code])  # type: ignore[union-attr]
    return reverse(HOME_BY_ROLE.get(user.role, "catalog:home"))  # type: ignore[call-overload]


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    form = StaffLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.user
        if otp_required_for(user):
            request.session[PENDING] = user.pk
            request.session["pishkhan_next"] = _next_url(request, user)
            return redirect("accounts:otp")
        auth.login(request, user)
        return redirect(_next_url(request, user))
    return render(
        request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")}
    )


@require_http_methods(["GET", "POST"])
def otp(request: HttpRequest) -> HttpResponse:
    user = User.objects.filter(pk=request.session.get(PENDING), is_active=True).first()
    if user is None:
        return redirect("accounts:login")
    form = OtpForm(data=request.POST or None)
    has_device = any(True for _d in user.totpdevice_set.filter(confirmed=True))
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"]) if has_device else None
        if device is None:
            form.add_error(
                "token", _("This code is not right, or has expired. Enter the current code.")
            )
        else:
            auth.login(request, user, backend=BACKEND)
            otp_login(request, device)
            target = request.session.pop("pishkhan_next", "") or reverse("catalog:home")
            request.session.pop(PENDING, None)
            return redirect(target)
    return render(request, "accounts/otp.html", {"form": form, "has_device": has_device})


@require_http_methods(["POST"])
def logout(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return redirect("catalog:home")


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """A new staff account's first password, from the one-time link sent by SMS."""

    form_class = NewPasswordForm
    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form: Form) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(
            self.request,
            _("Your password is set. Sign in as %(username)s with it.")
            % {"username": form.user.username},  # type: ignore[attr-defined]
        )
        return response
