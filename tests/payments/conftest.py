"""Fixtures and helpers of the payments tests (paying, refunds, settlement). The receipts tests
keep their own in their module; nothing here is autouse."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from pishkhan.accounts.models import User
from pishkhan.cases.demo import demo_uploads, sample_values
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.services import submit
from pishkhan.catalog.models import Channel, Service
from pishkhan.offices.models import Office
from pishkhan.payments.models import Invoice

OFFICE_SERVICE = "nocr-birth-certificate-duplicate"
ONLINE_SERVICE = "nocr-single-status-certificate"


@pytest.fixture
def money_settings(settings):
    """Staff sign in without a second factor; new online payments use the sandbox."""
    settings.PISHKHAN_STAFF_OTP = False
    settings.PISHKHAN_PAYMENT_GATEWAY = "sandbox"
    cache.clear()


@pytest.fixture
def people(db) -> dict[str, User]:
    names = [
        "operator-1001",
        "manager-1001",
        "operator-1002",
        "officer-nocr-tehran",
        "agencyadmin-nocr",
        "regulator",
        "9990000018",
    ]
    found = {u.username: u for u in User.objects.filter(username__in=names)}
    found["citizen"] = found["9990000018"]
    return found


def file_office_request(people: dict[str, User], key: str = "") -> ServiceRequest:
    service = Service.objects.get(code=OFFICE_SERVICE)
    citizen = people["citizen"]
    request, _ = submit(
        service=service,
        citizen=citizen,
        channel=Channel.OFFICE,
        actor=people["operator-1001"],
        office=Office.objects.get(licence_number="23-1001"),
        form_values=sample_values(service, citizen),
        uploads=demo_uploads(service),
        idempotency_key=key or None,
    )
    return request


def file_online_request(people: dict[str, User], key: str = "") -> ServiceRequest:
    service = Service.objects.get(code=ONLINE_SERVICE)
    citizen = people["citizen"]
    request, _ = submit(
        service=service,
        citizen=citizen,
        channel=Channel.ONLINE,
        actor=citizen,
        form_values=sample_values(service, citizen),
        uploads=demo_uploads(service),
        idempotency_key=key or None,
    )
    return request


def invoice_of(request: ServiceRequest) -> Invoice:
    return Invoice.objects.get(request=request)


def token_in(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]
