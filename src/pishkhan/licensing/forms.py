from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pishkhan.cases.forms import DocumentField
from pishkhan.catalog.models import Service
from pishkhan.core.forms import (
    DigitsInput,
    JalaliDateField,
    LegalEntityIdField,
    MobileField,
    NationalCodeField,
    NormalizingForm,
    NormalizingModelForm,
    PostalCodeField,
)
from pishkhan.core.i18n import active_language
from pishkhan.core.models import County
from pishkhan.core.money import parse_rials
from pishkhan.offices.caps import MAX_REASON

from .models import LicenceApplication, OperatorKind


class ApplicationForm(NormalizingModelForm):
    legal_entity_id = LegalEntityIdField(label=_("Legal-entity ID"), required=False)
    manager_national_code = NationalCodeField(label=_("Manager's national code"))
    manager_mobile = MobileField(label=_("Manager's mobile"))
    postal_code = PostalCodeField(label=_("Postal code"))
    manager_card = DocumentField(label=_("Manager's national card (scan)"))
    registration = DocumentField(label=_("Company registration notice (companies)"), required=False)
    registration_valid_until = JalaliDateField(
        label=_("The registration notice is valid until"), required=False
    )
    county = forms.ModelChoiceField(
        queryset=County.objects.select_related("province").order_by("province__name_fa", "name_fa"),
        label=_("County"),
    )

    class Meta:
        model = LicenceApplication
        fields = [
            "office_name",
            "kind",
            "operator_kind",
            "company_name",
            "legal_entity_id",
            "manager_national_code",
            "manager_mobile",
            "county",
            "address",
            "postal_code",
            "phone",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].label_from_instance = lambda c: f"{c.province.name_fa} — {c.name_fa}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("operator_kind") == OperatorKind.COMPANY:
            if not cleaned.get("registration"):
                self.add_error("registration", _("A company attaches its registration notice."))
            if not cleaned.get("legal_entity_id"):
                self.add_error("legal_entity_id", _("A company applies with its legal-entity ID."))
            if not cleaned.get("company_name"):
                self.add_error("company_name", _("Enter the company's registered name."))
        return cleaned

    def documents(self) -> list[tuple[str, Any, Any]]:
        """(title, upload, valid until) of the attached documents."""
        items = [(str(self.fields["manager_card"].label), self.cleaned_data["manager_card"], None)]
        if self.cleaned_data.get("registration"):
            items.append(
                (
                    str(self.fields["registration"].label),
                    self.cleaned_data["registration"],
                    self.cleaned_data.get("registration_valid_until"),
                )
            )
        return items


class StepForm(NormalizingForm):
    action = forms.CharField(max_length=40)
    comment = forms.CharField(required=False, max_length=2000)
    version = forms.IntegerField(min_value=1)


class CapacityForm(NormalizingForm):
    county = forms.IntegerField(widget=forms.HiddenInput)
    capacity = forms.IntegerField(
        label=_("Capacity"), min_value=0, max_value=10_000, widget=DigitsInput
    )
    effective_from = JalaliDateField(label=_("Effective from"))
    note = forms.CharField(label=_("Decision note"), max_length=300)


class SuspendForm(NormalizingForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)
    until = JalaliDateField(label=_("Suspended until"))


class ReasonForm(NormalizingForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"]
        if not reason.strip():
            raise ValidationError(_("Write the reason for this action."))
        return reason


class FeeCapForm(NormalizingForm):
    """The regulator's new office-fee cap: which service, how much, from when, and why. The
    rules (positive, today or later, a reason) are ``offices.caps.set_office_cap``'s; the form
    only reads what was typed."""

    service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        to_field_name="code",
        label=_("Service"),
        empty_label="—",
        error_messages={
            "required": _("Choose the service."),
            "invalid_choice": _("Choose one of the services offered at offices."),
        },
    )
    amount = forms.CharField(
        label=_("New cap (Rials)"),
        max_length=30,
        widget=DigitsInput(grouped=True),
        error_messages={"required": _("Write the new cap in Rials.")},
    )
    effective_from = JalaliDateField(
        label=_("In force from"),
        help_text=_("Today or a later date, written year/month/day, for example 1405/09/10."),
        error_messages={"required": _("Write the day the new cap takes effect.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON,
        help_text=_("The decision's number or basis, in a line."),
        error_messages={"required": _("Write the reason for the new cap.")},
    )

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        field.queryset = services
        field.label_from_instance = _service_label

    def clean_amount(self) -> int:
        try:
            return parse_rials(self.cleaned_data["amount"])
        except ValueError:
            raise ValidationError(
                _("Write the cap in Rials as a whole number, for example 450000."), code="invalid"
            ) from None


def _service_label(service: Service) -> str:
    if active_language() == "en":
        return f"{service.name_en or service.name_fa} — {service.agency.name_en}"
    return f"{service.name_fa} — {service.agency.name_fa}"
