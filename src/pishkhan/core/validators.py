"""Django validators for Iranian identifiers, each failure with its own translatable message."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import identifiers

if TYPE_CHECKING:  # django-stubs is a test-time dependency
    from django_stubs_ext import StrOrPromise

_NATIONAL_CODE_MESSAGES = {
    "empty": _("Enter the national code."),
    "not_digits": _("The national code may contain only digits."),
    "length": _("The national code has 10 digits."),
    "repeated": _("A national code cannot be one digit repeated."),
    "checksum": _("This national code is not valid: its check digit does not match."),
}
_MOBILE_MESSAGES = {
    "empty": _("Enter the mobile number."),
    "not_digits": _("The mobile number may contain only digits."),
    "length": _("A mobile number has 11 digits, like 09121234567."),
    "prefix": _("A mobile number starts with 09."),
}
_POSTAL_CODE_MESSAGES = {
    "empty": _("Enter the postal code."),
    "not_digits": _("The postal code may contain only digits."),
    "length": _("The postal code has 10 digits."),
    "repeated": _("A postal code cannot be one digit repeated."),
}
_LEGAL_ENTITY_MESSAGES = {
    "empty": _("Enter the legal-entity ID."),
    "not_digits": _("The legal-entity ID may contain only digits."),
    "length": _("The legal-entity ID has 11 digits."),
    "checksum": _("This legal-entity ID is not valid: its check digit does not match."),
}


def _normalizer(
    normalize: Callable[[str], str], messages: Mapping[str, StrOrPromise]
) -> Callable[[str], str]:
    def clean(value: str) -> str:
        try:
            return normalize(value)
        except identifiers.IdentifierError as exc:
            raise ValidationError(messages[exc.code], code=exc.code) from exc

    return clean


clean_national_code = _normalizer(identifiers.normalize_national_code, _NATIONAL_CODE_MESSAGES)
clean_mobile = _normalizer(identifiers.normalize_mobile, _MOBILE_MESSAGES)
clean_postal_code = _normalizer(identifiers.normalize_postal_code, _POSTAL_CODE_MESSAGES)
clean_legal_entity_id = _normalizer(identifiers.normalize_legal_entity_id, _LEGAL_ENTITY_MESSAGES)


def validate_national_code(value: str) -> None:
    clean_national_code(value)


def validate_mobile(value: str) -> None:
    clean_mobile(value)


def validate_postal_code(value: str) -> None:
    clean_postal_code(value)


def validate_legal_entity_id(value: str) -> None:
    clean_legal_entity_id(value)
