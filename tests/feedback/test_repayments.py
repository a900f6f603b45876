"""An upheld overcharge orders the office to give the excess back: the regulator sets the amount,
the office sees only such orders and records the return, the citizen sees both and hears by SMS."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.core.audit import events_for
from pishkhan.feedback.models import Complaint, ComplaintKind
from pishkhan.feedback.services import (
    FeedbackError,
    file_complaint,
    record_repaid,
    resolve_complaint,
)
from pishkhan.notify.models import OutboxMessage
from pishkhan.offices.models import Office

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db) -> User:
    return User.objects.get(username="manager-1001")  # the office of `office_request`


@pytest.fixture
def other_manager(db) -> User:
    """The manager of another office (23-1002)."""
    office = Office.objects.get(licence_number="23-1002")
    return User.objects.create_user(
        "manager-1002", role=Role.OFFICE_MANAGER, office=office, province=office.province
    )


def overcharge(citizen, office_request, extra=150_000):
    return file_complaint(
        citizen,
        office_request,
        kind=ComplaintKind.OVERCHARGE,
        text="بیش از رسید گرفتند",
        amount_claimed_rials=office_request.fee_total_rials + extra,
    )


def sms_for(complaint):
    return OutboxMessage.objects.filter(subject_type="complaint", subject_id=str(complaint.pk))


def test_upholding_an_overcharge_orders_the_excess_back_by_default(
    citizen, office_request, regulator
):
    complaint = overcharge(citizen, office_request)
    resolve_complaint(complaint.pk, regulator, upheld=True)
    complaint.refresh_from_db()
    assert complaint.repay_rials == 150_000 and complaint.owes_repayment
    assert "۱۵۰٬۰۰۰ ریال" in sms_for(complaint).get().body


@pytest.mark.parametrize(
    ("upheld", "kind", "repay", "expected"),
    [
        (True, ComplaintKind.OVERCHARGE, 100_000, 100_000),  # less than claimed: the regulator's
        (True, ComplaintKind.OVERCHARGE, 0, None),  # nothing ordered back
        (False, ComplaintKind.OVERCHARGE, None, None),  # dismissed: nothing
    ],
)
def test_the_regulator_sets_the_amount(
    citizen, office_request, regulator, upheld, kind, repay, expected
):
    complaint = overcharge(citizen, office_request)
    resolve_complaint(complaint.pk, regulator, upheld=upheld, reason="…", repay_rials=repay)
    complaint.refresh_from_db()
    assert complaint.repay_rials == expected


def test_more_than_was_taken_or_a_repayment_without_an_overcharge_is_refused(
    citizen, office_request, regulator
):
    complaint = overcharge(citizen, office_request)
    too_much = 150_001  # a Rial above the excess: the official fees were owed
    with pytest.raises(FeedbackError) as exc:
        resolve_complaint(complaint.pk, regulator, upheld=True, repay_rials=too_much)
    assert exc.value.code == "repay" and exc.value.field == "repay"
    complaint.refresh_from_db()
    assert complaint.is_open and complaint.repay_rials is None  # nothing saved
    other = file_complaint(citizen, office_request, kind=ComplaintKind.MISCONDUCT, text="…")
    with pytest.raises(FeedbackError):
        resolve_complaint(other.pk, regulator, upheld=True, repay_rials=5)
    assert Complaint.objects.get(pk=other.pk).is_open
    # An overcharge without a claimed amount has no excess to order back.
    resolve_complaint(complaint.pk, regulator, upheld=False, reason="…")  # one open at a time
    unmeasured = file_complaint(
        citizen,
        office_request,
        kind=ComplaintKind.OVERCHARGE,
        text="گران",
        amount_claimed_rials=None,
    )
    with pytest.raises(FeedbackError) as exc:
        resolve_complaint(unmeasured.pk, regulator, upheld=True, repay_rials=999_999_999_999)
    assert exc.value.code == "repay" and Complaint.objects.get(pk=unmeasured.pk).is_open
    resolve_complaint(unmeasured.pk, regulator, upheld=True, repay_rials=0)
    assert Complaint.objects.get(pk=unmeasured.pk).repay_rials is None


def test_the_office_records_the_return_once_and_the_citizen_hears(
    citizen, office_request, regulator, manager
):
    complaint = overcharge(citizen, office_request)
    resolve_complaint(complaint.pk, regulator, upheld=True)
    record_repaid(complaint.pk, manager)
    complaint.refresh_from_db()
    assert complaint.repaid_at is not None and complaint.repaid_recorded_by == manager
    assert [e.action for e in events_for("complaint", complaint.pk)][-1] == "repaid"
    assert "بازگردانده" in sms_for(complaint).latest("id").body
    with pytest.raises(FeedbackError) as exc:
        record_repaid(complaint.pk, manager)
    assert exc.value.code == "already_repaid"
    assert sms_for(complaint).count() == 2


def test_another_office_and_an_open_complaint_cannot_be_recorded(
    citizen, office_request, regulator, other_manager
):
    complaint = overcharge(citizen, office_request)
    with pytest.raises(FeedbackError) as exc:
        record_repaid(complaint.pk, regulator)
    assert exc.value.code == "nothing_owed"
    resolve_complaint(complaint.pk, regulator, upheld=True)
    with pytest.raises(FeedbackError) as exc:
        record_repaid(complaint.pk, other_manager)
    assert exc.value.code == "not_found"
    assert Complaint.objects.get(pk=complaint.pk).repaid_at is None


def test_the_pages_the_regulator_the_office_and_the_citizen(
    client, citizen, office_request, regulator, manager, other_manager
):
    complaint = overcharge(citizen, office_request)
    other = file_complaint(citizen, office_request, kind=ComplaintKind.MISCONDUCT, text="بدرفتاری")
    url = reverse("feedback:complaint", args=[complaint.pk])
    client.force_login(regulator)
    page = client.get(url).content.decode()
    assert 'value="۱۵۰٬۰۰۰"' in page  # the excess, offered as the amount to give back
    refused = client.post(url, {"decision": "upheld", "repay": "abc"})
    assert refused.status_code == 400 and "عدد صحیح" in refused.content.decode()
    huge = client.post(url, {"decision": "upheld", "repay": "1" * 30})  # no 500
    assert huge.status_code == 400 and "بیش از اندازه" in huge.content.decode()
    assert Complaint.objects.get(pk=complaint.pk).is_open
    assert client.post(url, {"decision": "upheld", "repay": "۱۲۰٬۰۰۰"}).status_code == 302
    assert Complaint.objects.get(pk=complaint.pk).repay_rials == 120_000

    # The office: only orders to give back, not the complaints, and it never decides.
    client.force_login(manager)
    listing = client.get(reverse("feedback:repayments")).content.decode()
    assert url in listing and "۱۲۰٬۰۰۰ ریال" in listing
    assert reverse("feedback:complaint", args=[other.pk]) not in listing
    assert client.get(reverse("feedback:complaint", args=[other.pk])).status_code == 404
    office_page = client.get(url).content.decode()
    assert "بیش از رسید گرفتند" not in office_page and "resolution-form" not in office_page
    assert client.post(url, {"decision": "dismissed", "reason": "x"}).status_code == 404
    assert client.post(url, {"do": "repaid"}).status_code == 302
    assert Complaint.objects.get(pk=complaint.pk).repaid_at is not None
    assert "ثبت شد" in client.get(reverse("feedback:repayments")).content.decode()
    client.force_login(other_manager)
    assert client.get(url).status_code == 404

    client.force_login(citizen)
    mine = client.get(reverse("cases:portal_request", args=[office_request.tracking_code]))
    assert "۱۲۰٬۰۰۰ ریال" in mine.content.decode() and "بازگرداند" in mine.content.decode()


def test_an_emptied_amount_orders_nothing_back(client, citizen, office_request, regulator):
    complaint = overcharge(citizen, office_request)
    client.force_login(regulator)
    url = reverse("feedback:complaint", args=[complaint.pk])
    assert client.post(url, {"decision": "upheld", "repay": ""}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "upheld" and complaint.repay_rials is None
