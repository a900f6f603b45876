"""Each dashboard page is a fixed handful of queries over the rollups: the same number with a
few requests as with many more."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.cases.demo import demo_uploads, sample_values
from pishkhan.cases.services import submit, transition
from pishkhan.catalog.models import Channel
from pishkhan.core.demo import demo_national_code
from pishkhan.core.jalali import TEHRAN
from pishkhan.insights import rollups

from .test_dashboard_figures import DAY, HOUR, START, _filters, make_small_set

pytestmark = pytest.mark.django_db

PAGES = [
    ("supervisor-tehran", reverse("insights:my_province"), 25),
    ("supervisor-tehran", reverse("insights:county", args=["23", "2301"]), 25),
    ("supervisor-tehran", reverse("insights:office", args=["23", "23-1001"]), 20),
    ("supervisor-tehran", reverse("insights:office_requests", args=["23", "23-1001"]), 12),
    ("supervisor-tehran", reverse("insights:province_requests"), 10),
    ("regulator", reverse("insights:national"), 25),
    ("agencyadmin-nocr", reverse("insights:agency"), 25),
]


@pytest.fixture(autouse=True)
def _no_otp(settings, tmp_path):
    settings.PISHKHAN_STAFF_OTP = False
    settings.MEDIA_ROOT = tmp_path


def _queries(client, username: str, url: str, params: dict[str, str]) -> list[str]:
    client.force_login(User.objects.get(username=username))
    client.get(url, params)  # warm: the session, and any pending change folded
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def _more_requests(small, n: int) -> None:
    """``n`` more requests of the set's service over its days, half decided."""
    operator = User.objects.get(username="operator-1001")
    officer = User.objects.get(username=f"test-dash-{small.service.agency.code}")
    for index in range(n):
        citizen = User.objects.get(
            role=Role.CITIZEN, national_code=demo_national_code(1 + index % 5)
        )
        small.clock.now = START + dt.timedelta(days=index % 20, hours=index % 7)
        at_office = index % 2 == 0
        request, _ = submit(
            service=small.service,
            citizen=citizen,
            channel=Channel.OFFICE if at_office else Channel.ONLINE,
            actor=operator if at_office else citizen,
            office=small.office if at_office else None,
            form_values=sample_values(small.service, citizen),
            uploads=demo_uploads(small.service),
        )
        if index % 2:
            small.clock.now += 3 * HOUR
            transition(request.pk, "start_review", officer)
            small.clock.now += DAY
            transition(request.pk, "approve", officer)
    rollups.fold_all()
    small.clock.now = START + 39 * DAY


def test_the_number_of_queries_does_not_grow_with_the_requests(client, monkeypatch):
    small = make_small_set(monkeypatch)
    params = _filters(small)
    before = {url: _queries(client, user, url, params) for user, url, _limit in PAGES}
    _more_requests(small, 30)
    for user, url, limit in PAGES:
        after = _queries(client, user, url, params)
        assert len(after) == len(before[url]), (url, before[url], after)
        assert len(after) <= limit, (url, len(after), after)
        # The figures are read from the rollups, never from the requests table (the request
        # list is the one page that reads requests, through visible_to). Complaints name their
        # request's service and agency: a filter by them joins the complaints' own requests.
        if "requests" not in url:
            assert not any('FROM "cases_servicerequest"' in sql for sql in after), url


def test_a_period_of_years_reads_years_not_months_or_days(client, monkeypatch):
    """All time on a province's page: every figure from the year cells (the province's, its
    offices'), the series by month from the month cells."""
    small = make_small_set(monkeypatch)
    client.force_login(User.objects.get(username="supervisor-tehran"))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("insights:my_province"), {"preset": "all"})
    assert response.status_code == 200
    read = [
        table
        for q in captured.captured_queries
        for table in re.findall(r'FROM "(insights_\w+)"', q["sql"])
        if table != "insights_pendingchange"
    ]
    assert set(read) == {
        "insights_statusmonth",  # the series
        "insights_statusyear",
        "insights_decisionyear",
        "insights_officestatusyear",
        "insights_officedecisionyear",
        "insights_stepyear",
    }, read
    assert read.count("insights_statusmonth") == 1
    assert response.context["board"].grain == "month"
    assert small  # the set's months are among them


# The national page, at a fixed date (mid-Khordad 1404: the last 30 days hold no whole month).
NATIONAL_QUERIES = {"30d": 20, "year": 25, "all": 20}


@pytest.mark.parametrize("preset", sorted(NATIONAL_QUERIES))
def test_the_national_page_reads_national_cells_and_years_in_a_fixed_number_of_queries(
    client, monkeypatch, preset
):
    """Every figure of the country but the table by province is read from the national cells
    (no province: a thirty-first of the cells, or less), the table by province from the province
    cells without the service; all time and this year from the year
    cells (this year: minus the months after this one, one more read per figure); the series of
    a long period from the national month cells."""
    now = dt.datetime(2025, 6, 15, 12, 0, tzinfo=TEHRAN)
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)
    client.force_login(User.objects.get(username="regulator"))
    params = {"preset": preset}
    client.get(reverse("insights:national"), params)  # warm: the session, pending changes folded
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("insights:national"), params)
    assert response.status_code == 200
    sqls = [q["sql"] for q in captured.captured_queries]
    assert len(sqls) == NATIONAL_QUERIES[preset], "\n".join(sqls)
    cells = [re.findall(r'FROM "(insights_\w+)"', sql) for sql in sqls]
    read = [table for found in cells for table in found if table != "insights_pendingchange"]
    by_province = [t for t in read if not t.startswith("insights_national")]
    # Only the table by province reads province cells (without the service): its requests and
    # its decisions.
    assert len(by_province) == (2 if preset == "30d" else 4 if preset == "year" else 2), read
    if preset == "30d":
        assert set(read) == {
            "insights_nationalstatusday",
            "insights_nationaldecisionday",
            "insights_nationalstepmonth",
            "insights_provincefiledday",
            "insights_provincedecidedday",
        }
    else:
        assert "insights_nationalstatusyear" in read and "insights_nationaldecisionyear" in read
        assert "insights_nationalstepyear" in read
        assert "insights_provincefiledyear" in read and "insights_provincedecidedyear" in read
        # Months: the series only (and this year's months after this one, subtracted).
        assert not any(t.endswith("day") for t in read), read
        months = [t for t in read if t.endswith("month")]
        if preset == "all":
            assert months == ["insights_nationalstatusmonth"], read
        else:  # the series, and the months after this one for each of five figures
            assert len(months) == 6, read
