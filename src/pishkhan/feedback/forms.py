"""The citizen's complaint and rating forms and the regulator's decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pishkhan.core.forms import DigitsInput, NormalizingForm
from pishkhan.core.money import parse_rials

from .models import MAX_COMMENT, MAX_TEXT, ComplaintKind, ComplaintStatus

SCORE_CHOICES = [
    ("5", _("5 — excellent")),
    ("4", _("4 — good")),
    ("3", _("3 — fair")),
    ("2", _("2 — poor")),
    ("1", _("1 — very poor")),
]


# Larger than any fee; also what a database integer column holds.
MAX_AMOUNT_RIALS = 10**13


def rials_typed(raw: str) -> int | None:
    """An amount typed in Rials (Persian or Latin digits, separators), or None when empty."""
    if not raw:
        return None
    try:
        return parse_rials(raw)
    except ValueError:
        raise forms.ValidationError(
            _("Write the amount in Rials as a whole number, for example 350000."), code="invalid"
        ) from None


class ComplaintForm(NormalizingForm):
    kind = forms.ChoiceField(
        label=_("What is the complaint about?"),
        choices=[("", "—"), *ComplaintKind.choices],
        error_messages={
            "required": _("Choose what the complaint is about."),
            "invalid_choice": _("Choose what the complaint is about."),
        },
    )
    amount_claimed = forms.CharField(
        label=_("The total the office took from you (Rials)"),
        required=False,
        max_length=30,
        help_text=_(
            "Overcharges only: the whole amount you paid, as on your receipt or bank slip."
        ),
        widget=DigitsInput(grouped=True),
    )
    text = forms.CharField(
        label=_("What happened"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        error_messages={"required": _("Describe what happened.")},
    )

    def clean_amount_claimed(self) -> int | None:
        amount = rials_typed(self.cleaned_data.get("amount_claimed", ""))
        if amount is None:
            return None
        if amount <= 0 or amount > MAX_AMOUNT_RIALS:
            raise forms.ValidationError(_("Enter the amount you paid, in Rials."), code="range")
        return amount


class RatingForm(NormalizingForm):
    score = forms.TypedChoiceField(
        label=_("How satisfied were you?"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={
            "required": _("Choose a score from 1 to 5."),
            "invalid_choice": _("Choose a score from 1 to 5."),
        },
    )
    comment = forms.CharField(
        label=_("Anything you want to tell us (optional)"),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResolutionForm(NormalizingForm):
    decision = forms.ChoiceField(
        choices=[(ComplaintStatus.UPHELD, _("Uphold")), (ComplaintStatus.DISMISSED, _("Dismiss"))],
        error_messages={
            "required": _("Choose to uphold or to dismiss the complaint."),
            "invalid_choice": _("Choose to uphold or to dismiss the complaint."),
        },
    )
    reason = forms.CharField(
        label=_("Reason (required to dismiss)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Overcharges only: what the office must give back if the complaint is upheld.
    repay = forms.CharField(
        label=_("To be given back to the citizen if upheld (Rials)"),
        required=False,
        max_length=30,
        help_text=_(
            "At most what the office took above the official total; empty or 0: nothing is "
            "to be given back."
        ),
        widget=DigitsInput(grouped=True),
    )

    def clean_repay(self) -> int | None:
        amount = rials_typed(self.cleaned_data.get("repay", ""))
        if amount is not None and amount > MAX_AMOUNT_RIALS:
            raise forms.ValidationError(_("This amount is too large."), code="range")
        return amount

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("decision") == ComplaintStatus.DISMISSED and not cleaned.get("reason"):
            self.add_error("reason", _("Write the reason for dismissing the complaint."))
        return cleaned
