from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from pishkhan.core.forms import DigitsInput, NormalizingForm


class StaffLoginForm(NormalizingForm):
    # Named for password managers and autofill (WCAG 1.3.5).
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: Any = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        username, password = cleaned.get("username"), cleaned.get("password")
        if username and password:
            # Through authenticate(request=...) so that django-axes counts failures.
            self.user = authenticate(self.request, username=username, password=password)
            if self.user is None or not self.user.is_active:
                raise ValidationError(_("The username or password is wrong."), code="invalid")
        return cleaned


class OtpForm(NormalizingForm):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=6,
        min_length=6,
        widget=DigitsInput(attrs={"autocomplete": "one-time-code"}),
    )
