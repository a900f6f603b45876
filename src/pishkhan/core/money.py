"""Money is integer Rials, never floats. Formatting and parsing of amounts."""

from __future__ import annotations

from .text import to_ascii_digits, to_persian_digits

PERSIAN_THOUSANDS_SEPARATOR = "٬"  # ARABIC THOUSANDS SEPARATOR, as Persian typesetting uses


def ensure_rials(value: object) -> int:
    """Accept only whole numbers of Rials; a float or a bool is a programming error."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"money must be an int of Rials, not {type(value).__name__}")
    return value


def format_grouped(number: int, language: str = "fa") -> str:
    """A whole number with thousands separators: ``۳۰۰٬۰۰۰`` in Persian, ``300,000`` in English."""
    grouped = f"{int(number):,}"
    if language == "fa":
        return to_persian_digits(grouped.replace(",", PERSIAN_THOUSANDS_SEPARATOR))
    return grouped


def format_rials(amount: int, language: str = "fa") -> str:
    """``۳۰۰٬۰۰۰ ریال`` in Persian, ``300,000 Rials`` in English."""
    grouped = format_grouped(ensure_rials(amount), language)
    return f"{grouped} ریال" if language == "fa" else f"{grouped} Rials"


def parse_rials(value: str) -> int:
    """Read an amount typed with Persian or Latin digits and any thousands separators."""
    text = to_ascii_digits(value).strip()
    for separator in (",", PERSIAN_THOUSANDS_SEPARATOR, "،", " ", "_", "\u200c"):
        text = text.replace(separator, "")
    if text.endswith("ریال"):
        text = text[: -len("ریال")].strip()
    if not text.isdigit():
        raise ValueError("an amount in Rials is a whole number, e.g. 300000")
    return int(text)
