"""Satisfaction ratings: the SMS link after delivery, rating once, the averages kept on the office
and the service, and the refusals (tampered, expired, twice, out of range)."""

from __future__ import annotations

import datetime as dt
import re
import time
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from pishkhan.core.audit import events_for
from pishkhan.core.text import to_persian_digits
from pishkhan.feedback.models import Rating, ServiceSatisfaction
from pishkhan.feedback.selectors import satisfaction_by
from pishkhan.feedback.services import FeedbackError, rate, rating_token
from pishkhan.notify.models import OutboxMessage
from pishkhan.offices.models import Office

from .conftest import deliver

pytestmark = pytest.mark.django_db


def rating_link(request) -> str:
    body = (
        OutboxMessage.objects.filter(
            subject_type="service_request", subject_id=str(request.pk), event="rating_link"
        )
        .get()
        .body
    )
    return re.search(r"(/feedback/rate/\S+/)", body).group(1)


def test_delivery_sends_a_rating_link_that_needs_no_sign_in(client, office_request):
    assert not OutboxMessage.objects.filter(
        subject_id=str(office_request.pk), event="rating_link"
    ).exists()
    deliver(office_request)
    link = rating_link(office_request)
    page = client.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert "میزان رضایت" in html and to_persian_digits(office_request.office.name) in html
    office = Office.objects.get(pk=office_request.office_id)
    before = (office.satisfaction_count, office.satisfaction_sum)
    response = client.post(link, {"score": "4", "comment": "خوب بود"})
    assert response.status_code == 302
    rating = Rating.objects.get(request=office_request)
    assert (rating.score, rating.comment, rating.office_id) == (4, "خوب بود", office.pk)
    assert (rating.service_id, rating.agency_id) == (
        office_request.service_id,
        office_request.agency_id,
    )
    office.refresh_from_db()
    assert (office.satisfaction_count, office.satisfaction_sum) == (before[0] + 1, before[1] + 4)
    assert office.satisfaction_average == round(
        Decimal(office.satisfaction_sum) / office.satisfaction_count, 2
    )
    [event] = events_for("rating", rating.pk)
    assert (event.action, event.data["score"], event.data["via"]) == ("rate", 4, "link")
    # Once per request: the page says so, a second POST is refused and changes nothing.
    assert "۴ از ۵" in client.get(link).content.decode()
    again = client.post(link, {"score": "1"})
    assert again.status_code == 409
    assert "پیش‌تر" in again.content.decode()
    assert Rating.objects.filter(request=office_request).count() == 1


def test_the_link_is_sent_only_on_delivery_and_only_to_the_citizen(office_request):
    deliver(office_request)
    message = OutboxMessage.objects.get(subject_id=str(office_request.pk), event="rating_link")
    assert message.recipient == office_request.citizen.mobile
    assert office_request.tracking_code in message.body
    assert message.sensitive


def test_tampered_and_expired_links_are_refused(client, office_request, settings, monkeypatch):
    deliver(office_request)
    link = rating_link(office_request)
    token = link.removeprefix("/feedback/rate/").removesuffix("/")
    tampered = reverse("feedback:rate", args=[token[:-2] + ("AA" if token[-2:] != "AA" else "BB")])
    for url in (tampered, reverse("feedback:rate", args=["junk"])):
        response = client.get(url)
        assert response.status_code == 400
        assert "معتبر نیست" in response.content.decode()
        assert client.post(url, {"score": "5"}).status_code == 400
    # A token for another request cannot be made without the key: a link signed with another
    # salt is refused too.
    from django.core import signing

    forged = signing.dumps({"r": office_request.pk}, salt="something-else")
    assert client.get(reverse("feedback:rate", args=[forged])).status_code == 400
    # Expired: signed longer ago than the setting allows.
    settings.PISHKHAN_RATING_LINK_DAYS = 7
    real = time.time()
    monkeypatch.setattr(time, "time", lambda: real - 8 * 86400)
    old = rating_token(office_request)
    monkeypatch.setattr(time, "time", lambda: real)
    response = client.post(reverse("feedback:rate", args=[old]), {"score": "5"})
    assert response.status_code == 400
    assert "منقضی" in response.content.decode()
    assert not Rating.objects.filter(request=office_request).exists()


@pytest.mark.parametrize("score", ["0", "6", "-1", "abc", "", "4.5", "۶"])
def test_scores_outside_one_to_five_are_refused(client, office_request, score):
    deliver(office_request)
    response = client.post(rating_link(office_request), {"score": score})
    assert response.status_code == 400
    assert "امتیازی از ۱ تا ۵" in response.content.decode()
    assert not Rating.objects.filter(request=office_request).exists()


def test_persian_digits_are_a_score(client, office_request):
    deliver(office_request)
    assert client.post(rating_link(office_request), {"score": "۵"}).status_code == 302
    assert Rating.objects.get(request=office_request).score == 5


def test_the_action_refuses_bad_scores_undelivered_requests_and_a_second_rating(
    office_request,
):
    for score in (0, 6, True, "5"):
        with pytest.raises(FeedbackError) as exc:
            rate(office_request, score=score)  # type: ignore[arg-type]
        assert exc.value.code == "score"
    with pytest.raises(FeedbackError) as exc:
        rate(office_request, score=5)
    assert exc.value.code == "not_delivered"
    deliver(office_request)
    rate(office_request, score=5)
    with pytest.raises(FeedbackError) as exc:
        rate(office_request, score=3)
    assert exc.value.code == "already_rated"
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(
            request=office_request,
            service_id=office_request.service_id,
            agency_id=office_request.agency_id,
            province_id=office_request.province_id,
            score=3,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.filter(request=office_request).update(score=9)


def test_the_citizen_rates_from_the_request_page(client, citizen, office_request, someone_elses):
    client.force_login(citizen)
    page = reverse("cases:portal_request", args=[office_request.tracking_code])
    rate_url = reverse("feedback:rate_request", args=[office_request.tracking_code])
    assert rate_url not in client.get(page).content.decode()  # not delivered yet
    assert client.post(rate_url, {"score": "5"}).status_code == 400
    deliver(office_request)
    assert rate_url in client.get(page).content.decode()
    assert client.post(rate_url, {"score": "2", "comment": ""}).status_code == 302
    html = client.get(page).content.decode()
    assert "۲ از ۵" in html and rate_url not in html
    # Another citizen's request is not found; signed out goes to the portal's sign-in.
    assert (
        client.get(reverse("feedback:rate_request", args=[someone_elses.tracking_code])).status_code
        == 404
    )
    client.logout()
    assert client.get(rate_url)["Location"].startswith(reverse("cases:portal_login"))


def test_averages_show_on_the_office_and_service_pages(client, office_request):
    office = Office.objects.get(pk=office_request.office_id)
    Office.objects.filter(pk=office.pk).update(
        satisfaction_count=0, satisfaction_sum=0, satisfaction_average=None
    )
    ServiceSatisfaction.objects.filter(service_id=office_request.service_id).delete()
    office_page = reverse("offices:office_detail", args=[office.licence_number])
    assert "هنوز امتیازی از مردم ثبت نشده" in client.get(office_page).content.decode()
    deliver(office_request)
    rate(office_request, score=4)
    html = client.get(office_page).content.decode()
    assert "امتیاز مردم: ۴٫۰ از ۵ (۱ امتیاز)" in html
    service_page = reverse("catalog:service_detail", args=[office_request.service.code])
    assert "امتیاز مردم: ۴٫۰ از ۵ (۱ امتیاز)" in client.get(service_page).content.decode()


def test_averages_per_office_service_and_agency_for_a_period(office_request):
    deliver(office_request)
    rate(office_request, score=2)
    rating = Rating.objects.get(request=office_request)
    everything = {
        dimension: satisfaction_by(dimension)
        for dimension in ("office", "service", "agency", "province")
    }
    for dimension in everything:
        key = getattr(rating, f"{dimension}_id")
        expected = Rating.objects.filter(**{f"{dimension}_id": key})
        figure = everything[dimension][key]
        assert figure.count == expected.count()
        assert figure.total == sum(expected.values_list("score", flat=True))
    recent = satisfaction_by("office", since=rating.created_at)
    assert recent == {office_request.office_id: recent[office_request.office_id]}
    assert recent[office_request.office_id].count == 1
    assert recent[office_request.office_id].average == 2.0
    assert satisfaction_by("agency", until=rating.created_at - dt.timedelta(days=400)) == {}
    with pytest.raises(ValueError):
        satisfaction_by("citizen")  # type: ignore[arg-type]


def test_a_rolled_back_delivery_sends_no_link(office_request):
    with pytest.raises(RuntimeError), transaction.atomic():
        deliver(office_request)
        raise RuntimeError("the delivery failed after the state change")
    assert not OutboxMessage.objects.filter(
        subject_id=str(office_request.pk), event="rating_link"
    ).exists()
