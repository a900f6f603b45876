"""Iranian identifiers: national code, mobile number, postal code, legal-entity ID, tracking code.

Stable entry points (design.md): ``is_valid_national_code``, ``normalize_mobile``,
``is_valid_tracking_code``. The ``normalize_*`` functions raise ``IdentifierError`` (a
``ValueError``) whose ``code`` says which rule failed, so forms can show a specific message.
"""

from __future__ import annotations

import re
import secrets

from .text import to_ascii_digits


class IdentifierError(ValueError):
    """A malformed identifier. ``code`` names the rule it broke."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_SEPARATORS = re.compile(r"[\s\-‐‑–_]")


def _digits_only(value: str) -> str:
    return _SEPARATORS.sub("", to_ascii_digits(str(value)).strip())


def _digit_string(value: str, what: str, length: int | None) -> str:
    """The value's digits (separators removed), checked for emptiness, digits and length."""
    code = _digits_only(value)
    if not code:
        raise IdentifierError("empty", f"{what} is empty")
    if not code.isdigit():
        raise IdentifierError("not_digits", f"{what} must contain only digits")
    if length is not None and len(code) != length:
        raise IdentifierError("length", f"{what} must have {length} digits")
    return code


# --- National code (کد ملی) ---------------------------------------------------------------


def normalize_national_code(value: str) -> str:
    """Return the 10-digit national code, or raise IdentifierError.

    8- or 9-digit input is left-padded with zeros: spreadsheets drop the leading zeros of codes
    issued in Tehran and other '00'/'0' prefixes.
    """
    code = _digit_string(value, "national code", None)
    if len(code) in (8, 9):
        code = code.zfill(10)
    if len(code) != 10:
        raise IdentifierError("length", "national code must have 10 digits")
    if len(set(code)) == 1:
        raise IdentifierError("repeated", "national code cannot be one digit repeated")
    if national_code_check_digit(code[:9]) != int(code[9]):
        raise IdentifierError("checksum", "national code check digit does not match")
    return code


def national_code_check_digit(first_nine: str) -> int:
    """The official mod-11 check digit for the first nine digits of a national code."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(first_nine))
    remainder = total % 11
    return remainder if remainder < 2 else 11 - remainder


def is_valid_national_code(value: str) -> bool:
    try:
        normalize_national_code(value)
    except IdentifierError:
        return False
    return True


# --- Mobile number ----------------------------------------------------------------------


def normalize_mobile(value: str) -> str:
    """Return an Iranian mobile number as ``09xxxxxxxxx``, or raise IdentifierError.

    Accepts ``+98``, ``0098``, ``98`` or ``0`` prefixes (or none), Persian digits, spaces and
    dashes.
    """
    raw = _digits_only(value).replace("(", "").replace(")", "")
    if not raw:
        raise IdentifierError("empty", "mobile number is empty")
    body = raw
    for prefix in ("+98", "0098", "98"):
        if body.startswith(prefix) and len(body) - len(prefix) == 10:
            body = body[len(prefix) :]
            break
    else:
        if body.startswith("+"):
            raise IdentifierError("prefix", "only Iranian mobile numbers (+98) are accepted")
        if body.startswith("0"):
            body = body[1:]
    if not body.isdigit():
        raise IdentifierError("not_digits", "mobile number must contain only digits")
    if len(body) != 10:
        raise IdentifierError("length", "mobile number must have 11 digits starting with 09")
    if not body.startswith("9"):
        raise IdentifierError("prefix", "a mobile number starts with 09")
    return "0" + body


def is_valid_mobile(value: str) -> bool:
    try:
        normalize_mobile(value)
    except IdentifierError:
        return False
    return True


# --- Postal code (کد پستی) --------------------------------------------------------------


def normalize_postal_code(value: str) -> str:
    """Return a 10-digit postal code, or raise IdentifierError."""
    code = _digit_string(value, "postal code", 10)
    if len(set(code)) == 1:
        raise IdentifierError("repeated", "postal code cannot be one digit repeated")
    return code


# --- Legal-entity ID (شناسه ملی اشخاص حقوقی) -------------------------------------------

_LEGAL_ID_WEIGHTS = (29, 27, 23, 19, 17)


def legal_entity_check_digit(first_ten: str) -> int:
    """Check digit of an 11-digit legal-entity ID (the Registration Organization's rule)."""
    tens_plus_two = int(first_ten[9]) + 2
    total = sum(
        (tens_plus_two + int(d)) * _LEGAL_ID_WEIGHTS[i % 5] for i, d in enumerate(first_ten)
    )
    remainder = total % 11
    return 0 if remainder == 10 else remainder


def normalize_legal_entity_id(value: str) -> str:
    code = _digit_string(value, "legal-entity ID", 11)
    if int(code[3:9]) == 0:
        raise IdentifierError("checksum", "legal-entity ID has no serial part")
    if legal_entity_check_digit(code[:10]) != int(code[10]):
        raise IdentifierError("checksum", "legal-entity ID check digit does not match")
    return code


def is_valid_legal_entity_id(value: str) -> bool:
    try:
        normalize_legal_entity_id(value)
    except IdentifierError:
        return False
    return True


# --- Tracking code (کد رهگیری) ----------------------------------------------------------
# Twelve digits: eleven random, then a Damm check digit, which catches every single-digit
# error and every swap of two neighbouring digits.

_DAMM_TABLE = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
TRACKING_CODE_LENGTH = 12


def damm_check_digit(digits: str) -> int:
    interim = 0
    for d in digits:
        interim = _DAMM_TABLE[interim][int(d)]
    return interim


def new_tracking_code() -> str:
    """A fresh random tracking code (not sequential, so not guessable)."""
    # The first digit is never 0, so the code keeps its 12 digits in spreadsheets: the body is
    # uniform over the 11-digit numbers, drawn at once (a draw per digit, with rejections, cost
    # about 17 system calls).
    smallest = 10 ** (TRACKING_CODE_LENGTH - 2)
    body = str(smallest + secrets.randbelow(9 * smallest))
    return body + str(damm_check_digit(body))


def is_valid_tracking_code(value: str) -> bool:
    code = _digits_only(value)
    return len(code) == TRACKING_CODE_LENGTH and code.isdigit() and damm_check_digit(code) == 0
