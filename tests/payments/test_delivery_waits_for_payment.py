"""A request's result is not delivered, nor a certificate issued, before its fees are paid: the
workflow's ``requires_payment`` steps, held by the payments app's guard."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.cases.demo import demo_uploads
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.services import RequestError, submit, transition
from pishkhan.catalog.models import Channel, Service
from pishkhan.core.audit import events_for
from pishkhan.education.demo import UNIVERSITY
from pishkhan.offices.models import Office
from pishkhan.payments.models import PaymentMethod
from pishkhan.payments.services import record_counter_payment
from pishkhan.workflow.definition import Definition
from pishkhan.workflow.models import WorkflowDefinition
from tests.api.test_agency import create

from .conftest import file_office_request, file_online_request, invoice_of

pytestmark = pytest.mark.django_db


def approved(request: ServiceRequest, people) -> ServiceRequest:
    transition(request.pk, "start_review", people["officer-nocr-tehran"])
    return transition(request.pk, "approve", people["officer-nocr-tehran"])


def test_an_unpaid_request_is_not_delivered_and_nothing_changes(people):
    request = approved(file_office_request(people), people)
    events = len(events_for("service_request", request.pk))
    for actor in (people["officer-nocr-tehran"], people["operator-1001"]):
        with pytest.raises(RequestError) as refused:
            transition(request.pk, "deliver", actor)
        assert refused.value.code == "unpaid"
        assert "هزینه‌های این درخواست هنوز پرداخت نشده" in str(refused.value.message)
    request.refresh_from_db()
    assert (request.status, request.version) == ("approved", 3)
    assert len(events_for("service_request", request.pk)) == events
    invoice = invoice_of(request)
    record_counter_payment(
        invoice.pk,
        actor=people["operator-1001"],
        method=PaymentMethod.CASH,
        amount_rials=invoice.total_rials,
    )
    assert transition(request.pk, "deliver", people["operator-1001"]).status == "delivered"


def test_online_the_citizens_payment_lets_it_be_delivered(people, money_settings):
    from pishkhan.payments.demo import settle

    request = approved(file_online_request(people), people)
    if invoice_of(request).is_payable:
        with pytest.raises(RequestError):
            transition(request.pk, "deliver", people["officer-nocr-tehran"])
        settle(request)  # the sandbox gateway's whole flow, as the citizen pays
    assert transition(request.pk, "deliver", people["officer-nocr-tehran"]).status == "delivered"


def test_a_free_certificate_is_issued_without_a_payment_but_not_one_owing_an_office_fee(people):
    service = Service.objects.get(code="moe-sanjesh-academic-verification")
    citizen = people["citizen"]
    officer = User.objects.get(username="sanjesh-tehran")
    values = UNIVERSITY  # the demo student's own records
    online, _ = submit(
        service=service,
        citizen=citizen,
        channel=Channel.ONLINE,
        actor=citizen,
        form_values=values,
        uploads=demo_uploads(service),
    )
    assert not invoice_of(online).is_payable  # free online: settled as it is made
    transition(online.pk, "start_check", officer)
    assert transition(online.pk, "issue", officer).status == "issued"
    at_office, _ = submit(
        service=service,
        citizen=citizen,
        channel=Channel.OFFICE,
        actor=people["operator-1001"],
        office=Office.objects.get(licence_number="23-1001"),
        form_values=values,
        uploads=demo_uploads(service),
    )
    assert invoice_of(at_office).is_payable  # the office's own fee
    transition(at_office.pk, "start_check", officer)
    with pytest.raises(RequestError) as refused:
        transition(at_office.pk, "issue", officer)
    assert refused.value.code == "unpaid"


def test_the_agency_page_shows_whether_it_is_paid_and_says_why_it_waits(
    client, people, money_settings
):
    request = approved(file_office_request(people), people)
    client.force_login(people["officer-nocr-tehran"])
    url = reverse("cases:agency_request", args=[request.tracking_code])
    html = client.get(url).content.decode()
    assert 'class="badge invoice-status' in html and "پرداخت‌نشده" in html
    answer = client.post(url, {"action": "deliver", "version": request.version}, follow=True)
    assert '<div class="alert alert-danger" role="alert">هزینه‌های این درخواست' in (
        answer.content.decode()
    )
    request.refresh_from_db()
    assert request.status == "approved"


def test_the_agency_api_refuses_with_a_code(client, people):
    request = approved(file_office_request(people), people)
    token = create("NOCR Tehran back office", "--agency", "nocr", "--province", "23")
    answer = client.post(
        f"/api/v1/agency/requests/{request.tracking_code}/actions/",
        {"action": "deliver", "version": request.version},
        "application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "unpaid"


def test_the_shipped_workflows_mark_delivery_and_issue_and_others_can_too():
    default = WorkflowDefinition.objects.filter(key="default").latest("version").parsed
    assert [t.action for t in default.transitions if t.requires_payment] == ["deliver"]
    academic = WorkflowDefinition.objects.filter(key="academic_verification").latest("version")
    assert [t.action for t in academic.parsed.transitions if t.requires_payment] == ["issue"]
    parsed = Definition.parse(
        {
            "states": {"a": {"label_fa": "الف"}, "b": {"label_fa": "ب"}},
            "initial": "a",
            "final": ["b"],
            "transitions": [{"action": "x", "from": ["a"], "to": "b", "roles": ["citizen"]}],
        }
    )
    assert parsed.transitions[0].requires_payment is False
