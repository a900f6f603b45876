"""Form building blocks: input normalisation and fields for Iranian identifiers and dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import jalali, money, validators
from .i18n import active_language
from .text import digits_for_language, normalize

_JALALI_MESSAGES = {
    "format": _("Write the date as year/month/day, for example 1405/09/10."),
    "month": _("The month must be between 1 and 12."),
    "day": _("This month does not have that day."),
    "year": _("Enter a Jalali year, for example 1405."),
}


class DigitsInput(forms.TextInput):
    """A text input for figures, shown in the UI's digits (Persian digits in the Persian UI).

    Not ``type="number"``: a browser shows its value in Latin digits and drops what a Persian
    keyboard types into it. The form's normalisation (``NormalizingFormMixin``) turns Persian
    or Arabic-Indic digits back into ASCII before cleaning, so only the display changes.
    ``grouped`` shows a whole number with thousands separators (amounts of money), for fields
    that read them back (``money.parse_rials``).
    """

    def __init__(self, attrs: dict[str, Any] | None = None, *, grouped: bool = False) -> None:
        base = {"dir": "ltr", "inputmode": "numeric", "autocomplete": "off"}
        super().__init__({**base, **(attrs or {})})
        self.grouped = grouped

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        # An example in the placeholder is written with Latin digits and shown in the UI's, as
        # the value is: Persian digits in the English interface read as foreign text.
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        if widget_attrs.get("placeholder"):
            widget_attrs["placeholder"] = digits_for_language(
                widget_attrs["placeholder"], active_language()
            )
        return context

    def format_value(self, value: Any) -> str | None:
        shown = super().format_value(value)
        if shown is None:
            return None
        language = active_language()
        if self.grouped and shown.isascii() and shown.isdigit():
            return money.format_grouped(int(shown), language)
        return digits_for_language(shown, language)


class NormalizingFormMixin:
    """Normalise every submitted text value (ي/ك, digits, surrounding space) before cleaning.

    Password inputs are left exactly as typed.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:  # type: ignore[attr-defined]
            self.data = normalize_form_data(self.data, self._raw_field_names())  # type: ignore[attr-defined]

    def _raw_field_names(self) -> set[str]:
        fields = self.fields  # type: ignore[attr-defined]
        return {
            self.add_prefix(name)  # type: ignore[attr-defined]
            for name, field in fields.items()
            if isinstance(field.widget, forms.PasswordInput)
        }


def normalize_form_data(data: Any, keep_raw: set[str]) -> Any:
    copy = data.copy()
    if hasattr(copy, "setlist"):
        for key in list(copy.keys()):
            if key not in keep_raw and key != "csrfmiddlewaretoken":
                copy.setlist(
                    key,
                    [normalize(v) if isinstance(v, str) else v for v in copy.getlist(key)],
                )
    else:
        for key, value in copy.items():
            if key not in keep_raw and isinstance(value, str):
                copy[key] = normalize(value)
    return copy


class NormalizingForm(NormalizingFormMixin, forms.Form):
    pass


class NormalizingModelForm(NormalizingFormMixin, forms.ModelForm):
    pass


class JalaliDateField(forms.Field):
    """Accepts a Jalali date typed with Persian or Latin digits; cleans to a Gregorian date."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DigitsInput(attrs={"placeholder": "1405/09/10"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return jalali.format_jalali_numeric(value)
        return value

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date):
            return value
        text = normalize(str(value)) if value not in self.empty_values else ""
        if not text:
            return None
        if len(text) > 16:
            raise ValidationError(_JALALI_MESSAGES["format"], code="format")
        try:
            return jalali.parse_jalali_date(text)
        except jalali.JalaliDateError as exc:
            raise ValidationError(_JALALI_MESSAGES[exc.code], code=exc.code) from exc


class _IdentifierField(forms.CharField):
    cleaner = staticmethod(validators.clean_national_code)
    input_mode = "numeric"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", DigitsInput)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update({"dir": "ltr", "inputmode": self.input_mode, "autocomplete": "off"})
        return attrs

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if text in self.empty_values:
            return ""
        return self.cleaner(text)


class NationalCodeField(_IdentifierField):
    cleaner = staticmethod(validators.clean_national_code)


class MobileField(_IdentifierField):
    cleaner = staticmethod(validators.clean_mobile)
    input_mode = "tel"


class PostalCodeField(_IdentifierField):
    cleaner = staticmethod(validators.clean_postal_code)


class LegalEntityIdField(_IdentifierField):
    cleaner = staticmethod(validators.clean_legal_entity_id)
