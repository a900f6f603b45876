"""Each dashboard page is a fixed handful of queries over the rollups: the same number with a
few requests as with many more."""

from __future__ import annotations

import datetime as dt

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
from pishkhan.insights import rollups

from .test_dashboard_figures import DAY, HOUR, START, _filters, make_small_set

pytestmark = pytest.mark.django_db

PAGES = [
    ("supervisor-tehran", reverse("insights:my_province"), 25),
    ("supervisor-tehran", reverse("insights:county", args=["23", "2301"]), 25),
    ("supervisor-tehran", reverse("insights:office", args=["23", "23-1001"]), 20),
    ("supervisor-tehran", reverse("insights:office_requests", args=["23", "23-1001"]), 12),
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


def test_a_period_of_years_reads_months_not_days(client, monkeypatch):
    small = make_small_set(monkeypatch)
    client.force_login(User.objects.get(username="regulator"))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("insights:national"), {"preset": "all"})
    assert response.status_code == 200
    sqls = " ".join(q["sql"] for q in captured.captured_queries)
    assert "insights_statusmonth" in sqls and "insights_decisionmonth" in sqls
    assert "insights_statusday" not in sqls and "insights_decisionday" not in sqls
    assert response.context["board"].grain == "month"
    assert small  # the set's months are among them
