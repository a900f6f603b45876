"""The demo's requests are filed in the past and their timelines follow in order, so a demo page
never shows a filing after its decision or a step before its filing."""

import pytest
from django.utils import timezone

from pishkhan.cases.demo import DEMO_REQUESTS, PATHS
from pishkhan.cases.models import ServiceRequest
from pishkhan.core.audit import events_for, verify

pytestmark = pytest.mark.django_db


def test_each_demo_timeline_starts_at_its_filing_and_runs_in_order():
    now = timezone.now()
    for key, state, *_rest in DEMO_REQUESTS:
        request = ServiceRequest.objects.get(idempotency_key=key)
        events = events_for("service_request", request.pk)
        assert [e.action for e in events] == ["submit", *PATHS[state]], key
        times = [e.created_at for e in events]
        assert abs(times[0] - request.submitted_at).total_seconds() < 1, key
        assert times == sorted(times) and times[-1] < now, key
        assert request.sla_due_on > timezone.localtime(request.submitted_at).date(), key
    # Back-dated events are hashed with their own time: the chain still verifies.
    assert verify().ok
