from __future__ import annotations

import pytest
from django.core.cache import cache

from pishkhan.accounts.models import User
from pishkhan.cases.demo import actor_for
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.services import transition


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.PISHKHAN_STAFF_OTP = False
    cache.clear()


@pytest.fixture
def citizen(db) -> User:
    return User.objects.get(username="9990000018")


@pytest.fixture
def regulator(db) -> User:
    return User.objects.get(username="regulator")


@pytest.fixture
def office_request(db) -> ServiceRequest:
    """An office request of the demo citizen (seed 1) at office 23-1001, not yet delivered."""
    return ServiceRequest.objects.get(idempotency_key="demo-office-approved")


@pytest.fixture
def online_request(db) -> ServiceRequest:
    return ServiceRequest.objects.get(idempotency_key="demo-online-approved")


@pytest.fixture
def someone_elses(db) -> ServiceRequest:
    """An office request of another citizen (seed 11, office 23-1002)."""
    return ServiceRequest.objects.get(idempotency_key="demo-office2-submitted")


def deliver(request: ServiceRequest) -> ServiceRequest:
    return transition(request.pk, "deliver", actor_for("deliver", request))
