"""The office manager's page: the office's operators, and the services it offers with its own
fee for each (within the cap, and within the share its rank allows)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pishkhan.accounts.access import roles_required
from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.catalog.fees import fee_in_force
from pishkhan.catalog.models import FeeKind, Service
from pishkhan.core.forms import MobileField, NationalCodeField, NormalizingForm
from pishkhan.core.i18n import active_language
from pishkhan.core.money import parse_rials
from pishkhan.core.text import digits_for_language, to_ascii_digits

from . import services
from .entitlements import allowed_count, share_percent
from .models import Office


class OperatorForm(NormalizingForm):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=80)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=80)
    national_code = NationalCodeField(label=gettext_lazy("National code"))
    mobile = MobileField(label=gettext_lazy("Mobile number"))


def parse_fee(typed: str) -> int:
    """The fee as typed into a row of the page, in Rials; ``ValidationError`` in the manager's
    words when it is not a whole, non-negative number (a negative one is left to the model's
    own message)."""
    text = to_ascii_digits(typed).strip()
    if not text:
        raise ValidationError(_("Write the office fee in Rials (0 for no fee)."), code="required")
    negative = text[0] in "-−"
    try:
        amount = parse_rials(text[1:] if negative else text)
    except ValueError:
        raise ValidationError(
            _("Write the fee as a whole number of Rials."), code="invalid"
        ) from None
    return -amount if negative else amount


def _service_name(service: Service) -> str:
    language = active_language()
    name = (service.name_en or service.name_fa) if language == "en" else service.name_fa
    return digits_for_language(name, language)


@roles_required(Role.OFFICE_MANAGER)
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    manager: Any = request.user
    # Read afresh, not from the signed-in user's kept copy: the licence status decides the page.
    office = Office.objects.get(pk=manager.office_id)
    operator_form = OperatorForm(prefix="op")
    # The fee row sent with a mistake: which service, what was typed, what is wrong.
    fee_retry: dict[str, Any] | None = None
    if request.method == "POST":
        action = request.POST.get("do", "")
        if action == "add_operator":
            operator_form = OperatorForm(data=request.POST, prefix="op")
            if operator_form.is_valid():
                try:
                    operator = services.add_operator(
                        office, actor=manager, **operator_form.cleaned_data
                    )
                except ValidationError as exc:
                    if hasattr(exc, "error_dict"):  # a field: marked on the form, kept as typed
                        operator_form.add_error(None, exc)
                    else:  # the office's licence: the form is not shown
                        messages.error(request, " ".join(exc.messages))
                else:
                    messages.success(
                        request,
                        _("Account %(username)s was made; its password link was sent by SMS.")
                        % {"username": operator.username},
                    )
                    return redirect("offices:manage")
        elif action in ("deactivate", "reactivate"):
            operator_id = str(request.POST.get("operator", ""))
            if not operator_id.isdigit():
                raise Http404
            try:
                operator = services.set_operator_active(
                    office, int(operator_id), action == "reactivate", actor=manager
                )
            except User.DoesNotExist:
                raise Http404 from None
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                done = (
                    _("%(username)s was re-activated and can sign in again.")
                    if operator.is_active
                    else _("%(username)s was deactivated and can no longer sign in.")
                )
                messages.success(request, done % {"username": operator.username})
                return redirect("offices:manage")
        elif action in ("set_fee", "remove"):
            service = get_object_or_404(
                Service.objects.active(), pk=request.POST.get("service") or 0
            )
            typed = str(request.POST.get("fee", ""))
            try:
                if action == "remove":
                    services.remove_offering(office, service)
                else:
                    services.set_office_fee(office, service, parse_fee(typed))
            except ValidationError as exc:
                problem = " ".join(exc.messages)
                messages.error(request, f"{_service_name(service)}: {problem}")
                if action == "set_fee":
                    fee_retry = {"service": service.pk, "typed": typed, "error": problem}
            else:
                messages.success(request, _("The office's services were updated."))
                return redirect("offices:manage")
    today = timezone.localdate()
    offered = {o.service_id: o for o in office.offerings.select_related("service")}
    rows = [
        (service, offered.get(service.pk), fee_in_force(service, FeeKind.OFFICE_CAP, today))
        for service in Service.objects.active()
        .filter(offered_at_office=True)
        .prefetch_related("fees")
        .select_related("agency")
    ]
    return render(
        request,
        "offices/manage.html",
        {
            "office": office,
            "can_manage": office.can_file_requests,
            "operator_form": operator_form,
            "rows": rows,
            "fee_retry": fee_retry,
            "staff": User.objects.filter(office=office).order_by("role", "username"),
            "limit": allowed_count(office),
            "share": share_percent(office.rank),
            "offered_count": len(offered),
        },
    )
