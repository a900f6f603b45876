"""Complaints: filing by the request's citizen, the regulator's queue and decision, the overcharge
flag, and every refusal leaving nothing behind."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from pishkhan.accounts.models import User
from pishkhan.core.audit import events_for
from pishkhan.core.models import AuditEvent
from pishkhan.core.text import to_persian_digits
from pishkhan.feedback.models import Complaint, ComplaintKind, ComplaintStatus
from pishkhan.feedback.services import (
    OVERCHARGE_FLAG_DAYS,
    FeedbackError,
    file_complaint,
    overcharge_flag_until,
    resolve_complaint,
)
from pishkhan.notify.models import OutboxMessage
from pishkhan.offices.models import Office

pytestmark = pytest.mark.django_db


def complain_url(request, **query):
    url = reverse("feedback:complain", args=[request.tracking_code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# --- the action ---------------------------------------------------------------------------------


def test_a_citizen_files_an_overcharge_complaint(citizen, office_request):
    complaint = file_complaint(
        citizen,
        office_request,
        kind=ComplaintKind.OVERCHARGE,
        text="  بیشتر از رسید گرفتند.  ",
        amount_claimed_rials=office_request.fee_total_rials + 200_000,
    )
    assert complaint.status == ComplaintStatus.OPEN
    assert complaint.office_id == office_request.office_id
    assert complaint.province_id == office_request.office.province_id
    assert complaint.text == "بیشتر از رسید گرفتند."
    assert complaint.excess_rials == 200_000
    [event] = events_for("complaint", complaint.pk)
    assert (event.action, event.to_state, event.actor_id) == ("file", "open", citizen.pk)
    assert event.data["amount_claimed"] == office_request.fee_total_rials + 200_000


def test_only_the_requests_own_citizen_complains(someone_elses, citizen, office_request):
    with pytest.raises(FeedbackError) as exc:
        file_complaint(citizen, someone_elses, kind=ComplaintKind.MISCONDUCT, text="...")
    assert exc.value.code == "not_yours"
    operator = User.objects.get(username="operator-1001")
    with pytest.raises(FeedbackError):
        file_complaint(operator, office_request, kind=ComplaintKind.OTHER, text="...")
    assert not Complaint.objects.filter(request__in=[someone_elses, office_request]).exists()


def test_an_online_request_has_no_office_to_complain_about(citizen, online_request):
    with pytest.raises(FeedbackError) as exc:
        file_complaint(citizen, online_request, kind=ComplaintKind.OVERCHARGE, text="گران بود")
    assert exc.value.code == "no_office"
    with translation.override("fa"):
        assert "دفتری" in str(exc.value.message)
    assert not Complaint.objects.filter(request=online_request).exists()


@pytest.mark.parametrize(
    ("kind", "text", "amount", "code"),
    [
        ("bribery", "متن", None, "kind"),
        (ComplaintKind.OVERCHARGE, "   ", None, "text"),
        (ComplaintKind.OVERCHARGE, "x" * 2001, None, "text"),
        (ComplaintKind.MISCONDUCT, "متن", 1000, "amount"),
        (ComplaintKind.OVERCHARGE, "متن", 0, "amount"),
    ],
)
def test_bad_complaints_save_nothing(citizen, office_request, kind, text, amount, code):
    events = AuditEvent.objects.filter(subject_type="complaint").count()
    with pytest.raises(FeedbackError) as exc:
        file_complaint(citizen, office_request, kind=kind, text=text, amount_claimed_rials=amount)
    assert exc.value.code == code
    assert not Complaint.objects.filter(request=office_request).exists()
    assert AuditEvent.objects.filter(subject_type="complaint").count() == events


def test_one_open_complaint_per_request_and_kind(citizen, office_request, regulator):
    first = file_complaint(citizen, office_request, kind=ComplaintKind.OVERCHARGE, text="یک")
    with pytest.raises(FeedbackError) as exc:
        file_complaint(citizen, office_request, kind=ComplaintKind.OVERCHARGE, text="دو")
    assert exc.value.code == "already_open"
    # Another kind is another complaint; once decided, the same kind may be raised again.
    file_complaint(citizen, office_request, kind=ComplaintKind.MISCONDUCT, text="سه")
    resolve_complaint(first.pk, regulator, upheld=False, reason="رسید با تعرفه یکی است.")
    file_complaint(citizen, office_request, kind=ComplaintKind.OVERCHARGE, text="چهار")
    assert Complaint.objects.filter(request=office_request).count() == 3
    # The database itself refuses a second open complaint of a kind.
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.create(
            request=office_request,
            office_id=office_request.office_id,
            province_id=office_request.province_id,
            citizen=citizen,
            kind=ComplaintKind.OVERCHARGE,
            text="پنج",
        )


def test_uphold_tells_the_citizen_and_is_audited(citizen, office_request, regulator):
    complaint = file_complaint(citizen, office_request, kind=ComplaintKind.OVERCHARGE, text="…")
    resolve_complaint(complaint.pk, regulator, upheld=True)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.UPHELD
    assert complaint.resolved_by == regulator and complaint.resolved_at is not None
    assert [e.action for e in events_for("complaint", complaint.pk)] == ["file", "uphold"]
    sms = OutboxMessage.objects.filter(subject_type="complaint", subject_id=str(complaint.pk))
    assert sms.get().recipient == citizen.mobile
    assert office_request.tracking_code in sms.get().body
    # One decision: the second is refused and changes nothing.
    with pytest.raises(FeedbackError) as exc:
        resolve_complaint(complaint.pk, regulator, upheld=False, reason="رد")
    assert exc.value.code == "already_resolved"
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.UPHELD
    assert sms.count() == 1


def test_a_dismissal_needs_a_reason_and_only_the_regulator_decides(
    citizen, office_request, regulator
):
    complaint = file_complaint(citizen, office_request, kind=ComplaintKind.OTHER, text="…")
    with pytest.raises(FeedbackError) as exc:
        resolve_complaint(complaint.pk, regulator, upheld=False, reason="   ")
    assert exc.value.code == "reason_required"
    for username in ("operator-1001", "officer-nocr-tehran", "manager-1001"):
        with pytest.raises(FeedbackError):
            resolve_complaint(complaint.pk, User.objects.get(username=username), upheld=True)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN and complaint.resolved_at is None
    assert [e.action for e in events_for("complaint", complaint.pk)] == ["file"]
    assert not OutboxMessage.objects.filter(subject_type="complaint", subject_id=str(complaint.pk))
    resolve_complaint(complaint.pk, regulator, upheld=False, reason="مدرکی ارائه نشد.")
    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolution_reason) == ("dismissed", "مدرکی ارائه نشد.")
    # The database refuses a dismissal without a reason too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(resolution_reason="")


def test_repeated_upheld_overcharges_flag_the_office(citizen, regulator):
    office = Office.objects.get(licence_number="23-1001")
    requests = list(
        office.requests.filter(citizen=citizen)
        .exclude(complaints__kind="overcharge", complaints__status="open")
        .order_by("pk")[:3]
    )
    assert len(requests) == 3
    complaints = [
        file_complaint(citizen, r, kind=ComplaintKind.OVERCHARGE, text="اضافه گرفتند")
        for r in requests
    ]
    for complaint in complaints[:2]:
        resolve_complaint(complaint.pk, regulator, upheld=True)
    office.refresh_from_db()
    assert office.overcharge_flag_until is None  # two are not "repeated" yet
    resolve_complaint(complaints[2].pk, regulator, upheld=True)
    office.refresh_from_db()
    today = timezone.localdate()
    assert office.overcharge_flag_until == today + dt.timedelta(days=OVERCHARGE_FLAG_DAYS)
    # The flag lapses when the third most recent upheld overcharge is older than the window.
    old = timezone.now() - dt.timedelta(days=OVERCHARGE_FLAG_DAYS + 1)
    Complaint.objects.filter(pk=complaints[0].pk).update(resolved_at=old)
    assert overcharge_flag_until(office.pk) is None
    # Misconduct does not count towards it.
    assert overcharge_flag_until(Office.objects.get(licence_number="23-1002").pk) is None


# --- the pages ----------------------------------------------------------------------------------


def test_signed_out_goes_to_the_portal_sign_in(client, office_request):
    url = complain_url(office_request, kind="overcharge")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("cases:portal_login") + "?next=")
    assert "kind%3Dovercharge" in response["Location"]


def test_the_complaint_form_files_and_returns_to_the_request(client, citizen, office_request):
    client.force_login(citizen)
    page = client.get(complain_url(office_request, kind="overcharge"))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<option value="overcharge" selected>' in html
    assert to_persian_digits(office_request.office.name) in html
    response = client.post(
        complain_url(office_request),
        {"kind": "overcharge", "amount_claimed": "۱٬۵۰۰٬۰۰۰", "text": "رسید کمتر از پرداخت بود"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "cases:portal_request", args=[office_request.tracking_code]
    )
    complaint = Complaint.objects.get(request=office_request)
    assert complaint.amount_claimed_rials == 1_500_000
    # The request page shows it, with the links.
    html = client.get(response["Location"]).content.decode()
    assert "شکایت‌های شما" in html and "در انتظار بررسی" in html
    assert reverse("feedback:complain", args=[office_request.tracking_code]) in html


def test_complaint_form_errors_are_persian_and_save_nothing(
    client, citizen, office_request, online_request, someone_elses
):
    client.force_login(citizen)
    bad = client.post(complain_url(office_request), {"kind": "overcharge", "text": ""})
    assert bad.status_code == 400
    assert "شرح دهید" in bad.content.decode()
    bad = client.post(
        complain_url(office_request), {"kind": "misconduct", "amount_claimed": "500", "text": "x"}
    )
    assert bad.status_code == 400 and "فقط در شکایت از اضافه‌دریافت" in bad.content.decode()
    bad = client.post(
        complain_url(office_request), {"kind": "overcharge", "amount_claimed": "abc", "text": "x"}
    )
    assert bad.status_code == 400 and "عدد" in bad.content.decode()
    bad = client.post(complain_url(office_request), {"kind": "bribe", "text": "x"})
    assert bad.status_code == 400
    online = client.get(complain_url(online_request))
    assert "دفتری برای شکایت" in online.content.decode()
    assert (
        client.post(complain_url(online_request), {"kind": "other", "text": "x"}).status_code == 400
    )
    assert client.get(complain_url(someone_elses)).status_code == 404
    assert (
        client.post(complain_url(someone_elses), {"kind": "other", "text": "x"}).status_code == 404
    )
    assert not Complaint.objects.filter(
        request__in=[office_request, online_request, someone_elses]
    ).exists()
    # Staff do not file complaints (and the regulator, who may see every request, neither).
    client.force_login(User.objects.get(username="regulator"))
    assert client.get(complain_url(office_request)).status_code == 404


def test_the_regulators_queue_and_decision(client, citizen, office_request, regulator):
    complaint = file_complaint(
        citizen, office_request, kind=ComplaintKind.OVERCHARGE, text="گران", amount_claimed_rials=9
    )
    client.force_login(regulator)
    queue = client.get(reverse("feedback:queue")).content.decode()
    assert reverse("feedback:complaint", args=[complaint.pk]) in queue
    for query, shown in [
        ({"kind": "misconduct"}, False),
        ({"kind": "overcharge", "province": "23"}, True),
        ({"province": "07"}, False),
        ({"status": "upheld"}, False),
        ({"status": "all", "office": "23-1001"}, True),
        ({"office": "23-1002"}, False),
        ({"office": "nonsense"}, False),
        ({"page": "junk", "status": "<script>"}, True),
    ]:
        html = client.get(reverse("feedback:queue"), query).content.decode()
        assert (f'data-complaint="{complaint.pk}"' in html) is shown, query
    url = reverse("feedback:complaint", args=[complaint.pk])
    page = client.get(url).content.decode()
    assert "گران" in page and "شکایت وارد است" in page
    refused = client.post(url, {"decision": "dismissed", "reason": ""})
    assert refused.status_code == 400 and "علت رد شکایت را بنویسید" in refused.content.decode()
    assert client.post(url, {"decision": "maybe"}).status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == "open"
    done = client.post(url, {"decision": "upheld", "reason": "تأیید شد"})
    assert done.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "upheld"
    again = client.post(url, {"decision": "dismissed", "reason": "دوباره"})
    assert again.status_code == 400 and "پیش‌تر" in again.content.decode()


def test_the_queue_is_the_regulators(client, citizen, office_request):
    complaint = file_complaint(citizen, office_request, kind=ComplaintKind.OTHER, text="…")
    assert client.get(reverse("feedback:queue")).status_code == 302
    for username in ("operator-1001", "manager-1001", "officer-nocr-tehran", "9990000018"):
        client.force_login(User.objects.get(username=username))
        assert client.get(reverse("feedback:queue")).status_code == 404
        assert client.get(reverse("feedback:complaint", args=[complaint.pk])).status_code == 404
    client.force_login(User.objects.get(username="regulator"))
    assert client.get(reverse("feedback:complaint", args=[999_999])).status_code == 404


def test_the_flag_shows_on_the_regulators_office_pages(client, regulator):
    office = Office.objects.get(licence_number="23-1001")
    client.force_login(regulator)
    listing = reverse("licensing:offices")
    page = reverse("licensing:office", args=[office.licence_number])
    assert "overcharge-flag" not in client.get(listing).content.decode()
    Office.objects.filter(pk=office.pk).update(
        overcharge_flag_until=timezone.localdate() + dt.timedelta(days=3)
    )
    assert "اضافه‌دریافت مکرر" in client.get(listing).content.decode()
    html = client.get(page).content.decode()
    assert "overcharge-flag" in html and "۱۸۰" in html
    assert "?status=all&amp;office=23-1001" in html
    # The rule is in words a keyboard, touch or screen-reader user gets, not in a tooltip.
    listing_html = client.get(listing).content.decode()
    flag = re.search(r'<a class="badge[^"]*overcharge-flag"[^>]*>.*?</a>', listing_html, re.S)
    flag = flag.group(0)
    assert "title=" not in flag and re.search(r'<span class="visually-hidden"> — [^<]*۱۸۰', flag)
    # A lapsed flag is not shown.
    Office.objects.filter(pk=office.pk).update(
        overcharge_flag_until=timezone.localdate() - dt.timedelta(days=1)
    )
    assert "overcharge-flag" not in client.get(page).content.decode()
