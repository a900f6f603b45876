"""The admin where agencies manage their services and fees (Persian by default).

An agency administrator sees and edits only the agency's own services; fees are added as new
effective-dated rows, and a row in force is read-only. The office-fee cap is the regulator's
(decision 66): an agency's administrator reads its services' caps and sets only their
government fee; the regulator sets caps on its own page, the national administrator here as
well. The VAT rate on office fees is national: the national administrator schedules it, the
same way (a new row from a future date).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from pishkhan.accounts.access import may_set_fee_caps
from pishkhan.core.admin import (
    NormalizingAdmin,
    NormalizingStackedInline,
    NormalizingTabularInline,
    RequestFormAdmin,
)
from pishkhan.core.forms import NormalizingModelForm
from pishkhan.core.i18n import active_language
from pishkhan.core.jalali import format_jalali_date
from pishkhan.core.money import format_rials
from pishkhan.core.text import digits_for_language
from pishkhan.workflow.models import WorkflowDefinition

from . import services
from .models import Agency, Fee, FeeKind, FormField, RequiredDocument, Service, VatRate


@admin.register(Agency)
class AgencyAdmin(NormalizingAdmin):
    list_display = ["name_fa", "name_en", "code", "parent", "is_active"]
    search_fields = ["name_fa", "name_en", "code"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


class RequiredDocumentInline(NormalizingTabularInline):
    model = RequiredDocument
    extra = 0


class FormFieldInline(NormalizingStackedInline):
    model = FormField
    extra = 0


class FeeDisplay:
    """Amounts in Rials and dates in Jalali, as people read them."""

    # A form of the read-only fee history sent back with more rows than it had (or another
    # service's row) is shown again with its error: its unsaved rows have neither.
    @admin.display(description=_lazy("amount (Rials)"), ordering="amount_rials")
    def amount(self, obj: Fee) -> str:
        if obj.amount_rials is None:
            return "—"
        return format_rials(obj.amount_rials, active_language())

    @admin.display(description=_lazy("effective from"), ordering="effective_from")
    def starts(self, obj: Fee) -> str:
        if obj.effective_from is None:
            return "—"
        return format_jalali_date(obj.effective_from, active_language())


class FeeInline(FeeDisplay, admin.TabularInline):
    """The fee history, read-only; changes are made as new rows on the Fee page."""

    model = Fee
    extra = 0
    can_delete = False
    fields = ["kind", "amount", "starts", "source"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ScopedToAgencyMixin:
    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        allowed = Service.objects.editable_by(request.user)
        if queryset.model is Service:
            return queryset.filter(pk__in=allowed.values("pk"))
        return queryset.filter(service__in=allowed.values("pk"))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "service":
            kwargs["queryset"] = Service.objects.editable_by(request.user)
        elif db_field.name == "agency" and not request.user.is_superuser:
            kwargs["queryset"] = Agency.objects.filter(pk=request.user.agency_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class ServiceForm(NormalizingModelForm):
    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_workflow_key(self) -> str:
        # Only a workflow the user may read: naming another agency's would show it to them and
        # stop its owner changing it, the platform's would run a service on licensing's steps,
        # and a key with no workflow would leave the service unfileable.
        key: str = self.cleaned_data["workflow_key"]
        user = self.request.user if self.request is not None else None
        if not WorkflowDefinition.objects.visible_to(user).filter(key=key).exists():
            raise ValidationError(
                _("There is no workflow with this key that you may give your services.")
            )
        return key


@admin.register(Service)
class ServiceAdmin(ScopedToAgencyMixin, RequestFormAdmin):
    form = ServiceForm
    list_display = [
        "name_fa",
        "agency",
        "code",
        "offered_at_office",
        "offered_online",
        "sla_working_days",
        "is_active",
    ]
    list_filter = ["agency", "offered_at_office", "offered_online", "is_active"]
    search_fields = ["name_fa", "name_en", "code"]
    inlines = [RequiredDocumentInline, FormFieldInline, FeeInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The code is a stable public identifier (URLs, API); it is fixed once created.
        return ["code"] if obj else []


class FeeForm(NormalizingModelForm):
    class Meta:
        model = Fee
        fields = ["service", "kind", "amount_rials", "effective_from", "source"]

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        if "kind" in self.fields and not self._may_set_caps():
            # The cap is not offered; the field still knows every kind, so that a cap sent
            # anyway is refused by clean_kind in words, not as "not one of the choices".
            self.fields["kind"].widget.choices = [
                (value, label)
                for value, label in self.fields["kind"].choices
                if value != FeeKind.OFFICE_CAP
            ]

    def _may_set_caps(self) -> bool:
        return may_set_fee_caps(self.request.user if self.request is not None else None)

    def clean_kind(self) -> str:
        kind: str = self.cleaned_data["kind"]
        if kind == FeeKind.OFFICE_CAP and not self._may_set_caps():
            raise ValidationError(
                _(
                    "Office-fee caps are set by the Communications Regulatory Authority, not by "
                    "agencies. You may set your service's government fee."
                ),
                code="cap_not_yours",
            )
        return kind

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        service = cleaned.get("service")
        if service and cleaned.get("kind") and cleaned.get("effective_from") is not None:
            probe = Fee(
                **{k: cleaned.get(k) for k in ["service", "kind", "amount_rials", "effective_from"]}
            )
            if probe.is_in_force_or_past() and not self.instance.pk:
                raise ValidationError(_("A fee change takes effect from today or a later date."))
        return cleaned


@admin.register(Fee)
class FeeAdmin(FeeDisplay, ScopedToAgencyMixin, RequestFormAdmin):
    form = FeeForm
    list_display = ["service", "kind", "amount", "starts", "source"]
    list_filter = ["kind", "service__agency"]
    search_fields = ["service__name_fa", "service__code"]
    date_hierarchy = "effective_from"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["service", "kind", "effective_from"] if obj else []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A fee in force is history: shown, never edited. A cap, even one not yet in force, is
        # the regulator's: an agency's administrator reads it and changes nothing (decision 66).
        if obj is not None and (obj.is_in_force_or_past() or not self._may_write(request, obj)):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and (obj.is_in_force_or_past() or not self._may_write(request, obj)):
            return False
        return super().has_delete_permission(request, obj)

    @staticmethod
    def _may_write(request: HttpRequest, obj: Fee) -> bool:
        return obj.kind != FeeKind.OFFICE_CAP or may_set_fee_caps(request.user)

    def save_model(self, request: HttpRequest, obj: Fee, form: Any, change: bool) -> None:
        services.set_fee(
            obj.service, obj.kind, obj.amount_rials, obj.effective_from, source=obj.source
        )


class VatRateForm(NormalizingModelForm):
    class Meta:
        model = VatRate
        fields = ["percent", "effective_from", "source"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start = cleaned.get("effective_from")
        if (
            start is not None
            and not self.instance.pk
            and VatRate(effective_from=start).is_in_force_or_past()
        ):
            raise ValidationError(_("A VAT rate change takes effect from today or a later date."))
        return cleaned


@admin.register(VatRate)
class VatRateAdmin(NormalizingAdmin):
    """The national VAT rate on office fees: the national administrator's alone."""

    form = VatRateForm
    list_display = ["rate", "starts", "source"]

    @admin.display(description=_lazy("percent"), ordering="percent")
    def rate(self, obj: VatRate) -> str:
        return digits_for_language(f"{obj.percent}%", active_language())

    @admin.display(description=_lazy("effective from"), ordering="effective_from")
    def starts(self, obj: VatRate) -> str:
        return format_jalali_date(obj.effective_from, active_language())

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["effective_from"] if obj else []

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A rate in force is history: shown, never edited.
        if obj is not None and obj.is_in_force_or_past():
            return False
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_in_force_or_past():
            return False
        return bool(request.user.is_superuser)

    def save_model(self, request: HttpRequest, obj: VatRate, form: Any, change: bool) -> None:
        services.set_vat_rate(obj.percent, obj.effective_from, source=obj.source)
