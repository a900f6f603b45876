"""Races, on PostgreSQL: two decisions about one complaint, two ratings of one request."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from pishkhan.cases.models import ServiceRequest
from pishkhan.core.audit import events_for
from pishkhan.feedback.models import Complaint, ComplaintKind, Rating
from pishkhan.feedback.services import FeedbackError, file_complaint, rate, resolve_complaint
from pishkhan.offices.models import Office

from .conftest import deliver

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def race(*calls):
    """Run the calls at once, each in its own thread and connection; their outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        barrier.wait()
        try:
            call()
            outcomes.append("ok")
        except FeedbackError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; this test runs in the PostgreSQL pass")


def test_two_decisions_at_once_exactly_one_is_recorded(citizen, regulator):
    request = ServiceRequest.objects.get(idempotency_key="demo-office-approved")
    complaint = file_complaint(citizen, request, kind=ComplaintKind.OTHER, text="…")
    outcomes = race(
        lambda: resolve_complaint(complaint.pk, regulator, upheld=True),
        lambda: resolve_complaint(complaint.pk, regulator, upheld=False, reason="رد"),
    )
    assert outcomes == ["already_resolved", "ok"]
    decisions = [e.action for e in events_for("complaint", complaint.pk)][1:]
    assert len(decisions) == 1
    complaint.refresh_from_db()
    assert complaint.status == {"uphold": "upheld", "dismiss": "dismissed"}[decisions[0]]


def test_two_ratings_at_once_count_once(citizen):
    request = ServiceRequest.objects.get(idempotency_key="demo-office-approved")
    deliver(request)
    office = Office.objects.get(pk=request.office_id)
    outcomes = race(lambda: rate(request, score=5), lambda: rate(request, score=1))
    assert outcomes == ["already_rated", "ok"]
    assert Rating.objects.filter(request=request).count() == 1
    after = Office.objects.get(pk=office.pk)
    assert after.satisfaction_count == office.satisfaction_count + 1


def test_two_complaints_of_a_kind_at_once_make_one(citizen):
    request = ServiceRequest.objects.get(idempotency_key="demo-office-approved")
    outcomes = race(
        *[
            lambda: file_complaint(citizen, request, kind=ComplaintKind.OVERCHARGE, text="x")
            for _ in range(2)
        ]
    )
    assert outcomes == ["already_open", "ok"]
    assert Complaint.objects.filter(request=request, kind="overcharge").count() == 1
