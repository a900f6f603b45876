"""The feedback demo: ratings and two complaints, and a second run adds nothing."""

import pytest

from pishkhan.feedback import demo
from pishkhan.feedback.models import Complaint, Rating
from pishkhan.notify.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_the_demo_is_loaded_and_idempotent():
    assert Rating.objects.count() >= len(demo.DEMO_RATINGS)
    assert set(Complaint.objects.values_list("kind", "status")) >= {
        ("overcharge", "open"),
        ("misconduct", "upheld"),
    }
    counts = (Rating.objects.count(), Complaint.objects.count(), OutboxMessage.objects.count())
    demo.load(None)
    assert (
        Rating.objects.count(),
        Complaint.objects.count(),
        OutboxMessage.objects.count(),
    ) == counts
