"""Django's password validators with the platform's own words.

Django's Persian catalogue lacks some of their messages (a too-short password was refused in
English), mixes «رمز عبور» with «گذرواژه», and shows the length in Latin digits. The rules are
Django's; only what a person reads is ours.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext, gettext_lazy

from pishkhan.core.i18n import active_language
from pishkhan.core.text import digits_for_language


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def _length(self) -> str:
        return digits_for_language(self.min_length, active_language())

    def get_error_message(self) -> str:
        return gettext("This password is too short: it needs at least %(n)s characters.") % {
            "n": self._length()
        }

    def get_help_text(self) -> str:
        return gettext("At least %(n)s characters.") % {"n": self._length()}


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def get_error_message(self) -> str:
        return gettext("This password is too like your %(verbose_name)s.")

    def get_help_text(self) -> str:
        return gettext("Not like your name or user name.")


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return gettext("This password is one of the most common ones; choose another.")

    def get_help_text(self) -> str:
        return gettext("Not a common password.")


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return gettext("This password is only digits; add letters too.")

    def get_help_text(self) -> str:
        return gettext("Not only digits.")


class NewPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    """The set-password form of a new staff account (the link sent by SMS): a first password,
    so its confirmation asks for the same password again, not "the previous one"."""

    error_messages = {"password_mismatch": gettext_lazy("The two passwords are not the same.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        first, second = self.fields["new_password1"], self.fields["new_password2"]
        first.label = gettext_lazy("New password")
        first.help_text = " ".join(password_validation.password_validators_help_texts())
        second.label = gettext_lazy("The new password again")
        second.help_text = gettext_lazy("Type the same password again, to be sure of it.")
