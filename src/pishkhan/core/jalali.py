"""Jalali (Solar Hijri) dates: parsing what people type and formatting for display.

Dates are stored as Gregorian (UTC for times) and shown in Asia/Tehran. The locale is always
passed explicitly to jdatetime, never taken from process-wide state.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

import jdatetime

from .text import to_ascii_digits, to_persian_digits

TEHRAN = ZoneInfo("Asia/Tehran")

MONTHS_FA = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
MONTHS_EN = (
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
)

_DATE_PATTERN = re.compile(r"^\s*(\d{2,4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$")


class JalaliDateError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse_jalali_date(value: str) -> dt.date:
    """Parse ``1405/09/10`` (Persian or Latin digits; ``/``, ``-`` or ``.``) to a Gregorian date.

    Two-digit years are read as 13xx/14xx the way people write them (``05/09/10`` is 1405).
    """
    match = _DATE_PATTERN.match(to_ascii_digits(value))
    if not match:
        raise JalaliDateError("format", "write the date as year/month/day, e.g. 1405/09/10")
    year, month, day = (int(part) for part in match.groups())
    if year < 100:
        year += 1400 if year < 50 else 1300
    if not 1 <= month <= 12:
        raise JalaliDateError("month", "the month must be between 1 and 12")
    if not 1 <= day <= 31:
        raise JalaliDateError("day", "the day must be between 1 and 31")
    if not 1200 <= year <= 1500:
        raise JalaliDateError("year", "the year must be a Jalali year such as 1405")
    try:
        gregorian: dt.date = jdatetime.date(year, month, day).togregorian()
        return gregorian
    except ValueError as exc:
        raise JalaliDateError("day", "this month does not have that many days") from exc


def to_jalali(value: dt.date) -> jdatetime.date:
    if isinstance(value, dt.datetime):
        value = to_tehran(value).date()
    return jdatetime.date.fromgregorian(date=value)


def to_tehran(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(TEHRAN)


def format_jalali_numeric(value: dt.date) -> str:
    """``1405/09/10``, ASCII digits (for inputs and exports)."""
    j = to_jalali(value)
    return f"{j.year:04d}/{j.month:02d}/{j.day:02d}"


def format_jalali_date(value: dt.date, language: str = "fa") -> str:
    """``۱۰ آذر ۱۴۰۵`` in Persian, ``10 Azar 1405`` in English."""
    if isinstance(value, dt.datetime):
        value = to_tehran(value).date()
    return _format_day(value, language)


# Pages show the same few days over and over (a queue of 50 rows, a timeline) and the calendar
# conversion is pure Python: a day is converted once per process.
@lru_cache(maxsize=4096)
def _format_day(value: dt.date, language: str) -> str:
    j = to_jalali(value)
    if language == "fa":
        return to_persian_digits(f"{j.day} {MONTHS_FA[j.month - 1]} {j.year}")
    return f"{j.day} {MONTHS_EN[j.month - 1]} {j.year}"


def format_jalali_datetime(value: dt.datetime, language: str = "fa") -> str:
    """Date and Tehran wall-clock time: ``۱۰ آذر ۱۴۰۵، ساعت ۱۴:۳۰``."""
    local = to_tehran(value)
    date_part = format_jalali_date(local.date(), language)
    if language == "fa":
        return f"{date_part}، ساعت {to_persian_digits(local.strftime('%H:%M'))}"
    return f"{date_part}, {local.strftime('%H:%M')}"


def format_time(value: dt.datetime, language: str = "fa", *, round_up: bool = False) -> str:
    """Tehran wall-clock time, ``۱۴:۳۰``; ``round_up`` to the next whole minute, for "not before"
    times (a time shown to the minute must not be a little too early)."""
    local = to_tehran(value)
    if round_up and (local.second or local.microsecond):
        local = local.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    shown = local.strftime("%H:%M")
    return to_persian_digits(shown) if language == "fa" else shown
