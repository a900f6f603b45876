"""Template filters for the Persian UI: digits, Jalali dates and Rials in the active language.

Loaded as a builtin (settings.TEMPLATES), so templates use them without ``{% load %}``.
"""

from __future__ import annotations

import datetime as dt

from django import template

from .. import jalali, money, text
from ..i18n import active_language

register = template.Library()


def _language() -> str:
    return active_language()


@register.filter
def fa_digits(value: object) -> str:
    """Persian digits in the Persian UI; unchanged in English."""
    if value is None:
        return ""
    return text.digits_for_language(value, _language())


@register.filter
def jdate(value: dt.date | None) -> str:
    """A date (or the date of a datetime, in Tehran) as ``۱۰ آذر ۱۴۰۵``."""
    if not value:
        return ""
    return jalali.format_jalali_date(value, _language())


@register.filter
def jdatetime(value: dt.datetime | None) -> str:
    if not value:
        return ""
    return jalali.format_jalali_datetime(value, _language())


@register.filter
def jdate_numeric(value: dt.date | None) -> str:
    if not value:
        return ""
    numeric = jalali.format_jalali_numeric(value)
    return text.to_persian_digits(numeric) if _language() == "fa" else numeric


@register.filter
def rials(value: int | None) -> str:
    """``۳۰۰٬۰۰۰ ریال`` / ``300,000 Rials``."""
    if value is None:
        return ""
    return money.format_rials(int(value), _language())


@register.filter
def localized(obj: object, attribute: str) -> str:
    """``{{ service|localized:"name" }}``: ``name_en`` in English when it is set, else
    ``name_fa`` with Persian digits."""
    if _language() == "en":
        value = getattr(obj, f"{attribute}_en", "")
        if value:
            return str(value)
        return str(getattr(obj, f"{attribute}_fa", ""))
    return text.to_persian_digits(getattr(obj, f"{attribute}_fa", ""))
