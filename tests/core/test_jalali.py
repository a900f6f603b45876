import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pishkhan.core import jalali


@pytest.mark.parametrize(
    "typed",
    ["1405/09/10", "۱۴۰۵/۰۹/۱۰", "1405-9-10", "۱۴۰۵.۰۹.۱۰", " 1405 / 9 / 10 ", "05/09/10"],
)
def test_parse_jalali_in_any_digits(typed):
    assert jalali.parse_jalali_date(typed) == dt.date(2026, 12, 1)


def test_nowruz():
    assert jalali.parse_jalali_date("1405/01/01") == dt.date(2026, 3, 21)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "format"),
        ("1405/13/01", "month"),
        ("1405/00/10", "month"),
        ("1405/07/31", "day"),
        ("1404/12/30", "day"),
        ("1405/12/32", "day"),
        ("abc", "format"),
        ("9999/01/01", "year"),
    ],
)
def test_parse_rejects_with_reason(typed, code):
    with pytest.raises(jalali.JalaliDateError) as exc:
        jalali.parse_jalali_date(typed)
    assert exc.value.code == code


def test_formatting_in_both_languages():
    day = dt.date(2026, 12, 1)
    assert jalali.format_jalali_date(day, "fa") == "۱۰ آذر ۱۴۰۵"
    assert jalali.format_jalali_date(day, "en") == "10 Azar 1405"
    assert jalali.format_jalali_numeric(day) == "1405/09/10"


def test_datetimes_are_shown_in_tehran_time():
    # 21:00 UTC on 30 Nov 2026 is 00:30 on 1 Dec in Tehran (UTC+3:30, no DST since 2022).
    moment = dt.datetime(2026, 11, 30, 21, 0, tzinfo=dt.UTC)
    assert jalali.format_jalali_datetime(moment, "fa") == "۱۰ آذر ۱۴۰۵، ساعت ۰۰:۳۰"
    assert jalali.format_jalali_date(moment, "en") == "10 Azar 1405"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_round_trip_through_jalali_text(day):
    assert jalali.parse_jalali_date(jalali.format_jalali_numeric(day)) == day
