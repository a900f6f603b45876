"""The office manager's page: the office's operators, and the services it offers with its own
fee for each (within the cap, and within the share its rank allows)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
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
from pishkhan.core.money import parse_rials

from . import services
from .entitlements import allowed_count, share_percent


class OperatorForm(NormalizingForm):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=80)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=80)
    national_code = NationalCodeField(label=gettext_lazy("National code"))
    mobile = MobileField(label=gettext_lazy("Mobile number"))


@roles_required(Role.OFFICE_MANAGER)
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    office = request.user.office  # type: ignore[union-attr]
    operator_form = OperatorForm(prefix="op")
    if request.method == "POST":
        action = request.POST.get("do", "")
        try:
            if action == "add_operator":
                operator_form = OperatorForm(data=request.POST, prefix="op")
                if operator_form.is_valid():
                    operator = services.add_operator(office, **operator_form.cleaned_data)
                    messages.success(
                        request,
                        _("Account %(username)s was made; its password link was sent by SMS.")
                        % {"username": operator.username},
                    )
                    return redirect("offices:manage")
            elif action in ("set_fee", "remove"):
                service = get_object_or_404(
                    Service.objects.active(), pk=request.POST.get("service") or 0
                )
                if action == "remove":
                    services.remove_offering(office, service)
                else:
                    services.set_office_fee(
                        office, service, parse_rials(request.POST.get("fee", ""))
                    )
                messages.success(request, _("The office's services were updated."))
                return redirect("offices:manage")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except ValueError:
            messages.error(request, _("Write the fee as a whole number of Rials."))
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
            "operator_form": operator_form,
            "rows": rows,
            "staff": User.objects.filter(office=office).order_by("role", "username"),
            "limit": allowed_count(office),
            "share": share_percent(office.rank),
            "offered_count": len(offered),
        },
    )
