from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pishkhan.core.forms import DigitsInput, JalaliDateField, NormalizingForm
from pishkhan.core.money import parse_rials

from .models import CODE_ALPHABET, VERIFICATION_CODE_LENGTH, PaymentMethod
from .receipts import normalize_code
from .settlement import DAY, MONTH


class CounterPaymentForm(NormalizingForm):
    method = forms.ChoiceField(
        label=_("How was it paid?"),
        choices=[
            (PaymentMethod.CASH.value, PaymentMethod.CASH.label),
            (PaymentMethod.POS.value, PaymentMethod.POS.label),
        ],
    )
    reference = forms.CharField(
        label=_("Reference number on the card reader's slip"),
        required=False,
        max_length=40,
        help_text=_("Only for a card payment (POS)."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    amount = forms.CharField(
        label=_("Amount received (Rials)"),
        max_length=30,
        widget=DigitsInput(grouped=True),
    )

    def clean_amount(self) -> int:
        try:
            return parse_rials(self.cleaned_data["amount"])
        except ValueError:
            raise forms.ValidationError(
                _("Write the amount in Rials as a whole number, e.g. 300000."), code="amount"
            ) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("method") == PaymentMethod.POS and not cleaned.get("reference"):
            self.add_error(
                "reference", _("Write the reference number printed on the card reader's slip.")
            )
        return cleaned


class SettlementForm(NormalizingForm):
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[(DAY, _("One day")), (MONTH, _("One month"))],
        initial=DAY,
        required=False,
    )
    date = JalaliDateField(
        label=_("Day (or a day of the month)"),
        required=False,
        help_text=_("Jalali, e.g. 1405/09/10."),
    )

    def chosen(self) -> tuple[str, dt.date]:
        period = self.cleaned_data.get("period") or DAY
        return period, self.cleaned_data.get("date") or timezone.localdate()


class VerificationCodeForm(NormalizingForm):
    """The code printed under a receipt's or a certificate's QR code, typed from the paper:
    any case, hyphens and spaces ignored, I/L read as 1 and O as 0 (Crockford's base32)."""

    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        error_messages={
            "required": _("Enter the verification code printed on the receipt or certificate.")
        },
    )

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if len(code) != VERIFICATION_CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
            raise forms.ValidationError(
                _(
                    "A verification code has 16 Latin letters and digits; it is printed under "
                    "the QR code."
                ),
                code="shape",
            )
        return code
