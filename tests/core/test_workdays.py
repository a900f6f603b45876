import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pishkhan.core.workdays import WorkingCalendar

CALENDAR = WorkingCalendar()


def test_weekend_is_thursday_and_friday_by_default():
    assert CALENDAR.is_holiday(dt.date(2026, 12, 3))  # Thursday
    assert CALENDAR.is_holiday(dt.date(2026, 12, 4))  # Friday
    assert CALENDAR.is_working_day(dt.date(2026, 12, 5))  # Saturday


def test_across_nowruz():
    # Tue 17 March 2026 + 5 working days. Closed: Thu 19, Fri 20 (weekend and oil
    # nationalisation day), 21-24 (Nowruz, with Eid al-Fitr on 21-22), Thu 26, Fri 27.
    # Working: Wed 18, Wed 25, Sat 28, Sun 29, Mon 30.
    assert CALENDAR.add_working_days(dt.date(2026, 3, 17), 5) == dt.date(2026, 3, 30)
    assert CALENDAR.working_days_between(dt.date(2026, 3, 17), dt.date(2026, 3, 30)) == 5


def test_across_a_lunar_holiday():
    # Tasua and Ashura 1448 AH fall on Wed 24 and Thu 25 June 2026.
    assert CALENDAR.is_holiday(dt.date(2026, 6, 24))
    # Mon 22 June + 3 working days: Tue 23, (Wed 24 Tasua, Thu 25, Fri 26), Sat 27, Sun 28.
    assert CALENDAR.add_working_days(dt.date(2026, 6, 22), 3) == dt.date(2026, 6, 28)


def test_overrides_win_over_package_and_weekend():
    calendar = WorkingCalendar(overrides={dt.date(2026, 12, 6): True, dt.date(2026, 12, 3): False})
    assert calendar.is_holiday(dt.date(2026, 12, 6))  # an announced closure
    assert calendar.is_working_day(dt.date(2026, 12, 3))  # a worked Thursday


def test_weekend_is_configurable():
    friday_only = WorkingCalendar(weekend=frozenset({4}))
    assert friday_only.is_working_day(dt.date(2026, 12, 3))


def test_zero_and_negative_days():
    assert CALENDAR.add_working_days(dt.date(2026, 12, 3), 0) == dt.date(2026, 12, 5)
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(dt.date(2026, 12, 3), -1)
    assert (
        CALENDAR.working_days_between(dt.date(2026, 12, 9), dt.date(2026, 12, 5)) == -4
    )  # Sun-Wed


@settings(max_examples=60)
@given(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 12, 31)), st.integers(0, 60))
def test_add_and_count_agree(start, days):
    end = CALENDAR.add_working_days(start, days)
    assert CALENDAR.is_working_day(end)
    counted = CALENDAR.working_days_between(start, end)
    if days == 0:  # start itself, or the next working day after a closed start
        assert counted == (0 if CALENDAR.is_working_day(start) else 1)
    else:
        assert counted == days


def test_each_day_is_looked_up_once_per_calendar(monkeypatch):
    """A submission's due day walks the next weeks and a queue page's badges its rows' days: the
    package's holidays are asked about a day once, then the calendar answers from memory."""
    calendar = WorkingCalendar(overrides={dt.date(2026, 12, 6): True})
    asked: list[dt.date] = []
    look_up = calendar._is_holiday

    def counting(day: dt.date) -> bool:
        asked.append(day)
        return look_up(day)

    monkeypatch.setattr(calendar, "_is_holiday", counting)
    first = calendar.add_working_days(dt.date(2026, 12, 2), 10)
    days = len(asked)
    assert calendar.add_working_days(dt.date(2026, 12, 2), 10) == first
    assert calendar.working_days_between(dt.date(2026, 12, 2), first) == 10
    assert len(asked) == days == len(set(asked))
    # The answers are the calendar's own: the override closed a Sunday.
    assert calendar.is_holiday(dt.date(2026, 12, 6))
    assert first == dt.date(2026, 12, 19)  # Thursdays and Fridays, and Sunday the 6th, closed
