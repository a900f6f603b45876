import datetime as dt

import pytest

from pishkhan.core.models import CalendarOverride
from pishkhan.core.workdays import add_working_days, working_days_between

pytestmark = pytest.mark.django_db


def test_the_project_calendar_reads_the_override_table():
    saturday = dt.date(2026, 12, 5)
    assert add_working_days(saturday, 1) == dt.date(2026, 12, 6)
    closure = CalendarOverride.objects.create(
        date=dt.date(2026, 12, 6), title="تعطیلی به دلیل آلودگی هوا"
    )
    assert add_working_days(saturday, 1) == dt.date(2026, 12, 7)
    assert working_days_between(saturday, dt.date(2026, 12, 7)) == 1
    closure.delete()
    assert add_working_days(saturday, 1) == dt.date(2026, 12, 6)
