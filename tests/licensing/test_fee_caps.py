"""The regulator's office-fee caps (decision 66): its page, the action behind it, and what a
lower cap does to offices charging more."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from pishkhan.accounts.models import User
from pishkhan.cases.services import fee_lines_for
from pishkhan.catalog.fees import fee_in_force
from pishkhan.catalog.models import Channel, Fee, FeeKind, Service
from pishkhan.core.jalali import format_jalali_date, format_jalali_numeric
from pishkhan.core.models import AuditEvent
from pishkhan.core.text import to_persian_digits
from pishkhan.notify.models import OutboxMessage
from pishkhan.offices.caps import set_office_cap
from pishkhan.offices.models import Office, OfficeService
from pishkhan.offices.services import set_office_fee

pytestmark = pytest.mark.django_db

URL = "/regulator/fee-caps/"
SERVICE = "nocr-birth-certificate-duplicate"  # cap 450,000 since 1404/01/01; demo offices 360,000
NOT_AT_OFFICES = "یکی از خدمات ارائه‌شده در دفاتر را انتخاب کنید."
ONLY_THE_REGULATOR = "فقط سازمان تنظیم مقررات سقف کارمزد دفاتر را تعیین می‌کند."


@pytest.fixture(autouse=True)
def _no_otp(settings):
    settings.PISHKHAN_STAFF_OTP = False


@pytest.fixture
def regulator(client):
    user = User.objects.get(username="regulator")
    client.force_login(user)
    return user


def caps_of(service: Service) -> list[tuple[int, dt.date]]:
    return list(
        Fee.objects.filter(service=service, kind=FeeKind.OFFICE_CAP)
        .order_by("effective_from")
        .values_list("amount_rials", "effective_from")
    )


def test_the_url_is_the_regulators():
    assert reverse("licensing:fee_caps") == URL


def test_the_page_lists_each_office_service_with_its_cap_in_persian(client, regulator):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    rows = response.context["rows"]
    assert {row.service.code for row in rows} == set(
        Service.objects.filter(offered_at_office=True).values_list("code", flat=True)
    )
    assert "moe-teacher-employment-certificate" not in html  # online only: no cap
    row = next(r for r in rows if r.service.code == SERVICE)
    assert row.cap.amount_rials == 450_000
    assert 'data-service="nocr-birth-certificate-duplicate"' in html
    assert "۴۵۰٬۰۰۰ ریال" in html
    assert format_jalali_date(row.cap.effective_from, "fa") in html  # Jalali, Persian digits
    assert "سقف کارمزد دفاتر" in html


def test_the_regulators_home_links_to_the_page(client, regulator):
    html = client.get(reverse("licensing:queue")).content.decode()
    assert f'href="{URL}"' in html


def test_the_regulator_sets_a_cap_from_a_later_day(client, regulator):
    service = Service.objects.get(code=SERVICE)
    start = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(
        URL,
        {
            "service": SERVICE,
            "amount": "۵۰۰٬۰۰۰",
            "effective_from": to_persian_digits(format_jalali_numeric(start)),
            "reason": "مصوبه کمیسیون تنظیم مقررات، جلسه ۴۱۲",
        },
    )
    assert response.status_code == 302
    assert (500_000, start) in caps_of(service)
    # Today's cap is as it was: the past and the present are not rewritten.
    assert fee_in_force(service, FeeKind.OFFICE_CAP, timezone.localdate()) == 450_000
    page = client.get(URL).content.decode()
    assert "۵۰۰٬۰۰۰ ریال" in page and format_jalali_date(start, "fa") in page
    event = AuditEvent.objects.filter(subject_type="service", subject_id=str(service.pk)).last()
    assert event.action == "set_office_cap"
    assert event.actor_id == regulator.pk and event.actor_role == "regulator"
    assert event.comment == "مصوبه کمیسیون تنظیم مقررات، جلسه 412"  # digits stored ASCII
    assert event.data == {
        "service": SERVICE,
        "amount": 500_000,
        "from": start.isoformat(),
        "previous": 450_000,
        "offices_above": 0,
    }


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "0"}, "amount", "سقف کارمزد باید عددی صحیح و مثبت به ریال باشد."),
        (
            {"amount": "۴۵۰هزار"},
            "amount",
            "سقف را به ریال و با عدد صحیح بنویسید؛ مثلاً ۴۵۰۰۰۰.",
        ),
        ({"amount": "-5000"}, "amount", "سقف را به ریال و با عدد صحیح بنویسید؛ مثلاً ۴۵۰۰۰۰."),
        ({"amount": "12.5"}, "amount", "سقف را به ریال و با عدد صحیح بنویسید؛ مثلاً ۴۵۰۰۰۰."),
        ({"amount": "9" * 20}, "amount", "سقف کارمزد حداکثر ۱٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۰ ریال است."),
        ({"amount": ""}, "amount", "سقف جدید را به ریال بنویسید."),
        (
            {"effective_from": "yesterday"},
            "effective_from",
            "تاریخ را به شکل سال/ماه/روز بنویسید؛ مانند ۱۴۰۵/۰۹/۱۰.",
        ),
        ({"effective_from": "1405/13/01"}, "effective_from", "ماه باید عددی بین ۱ تا ۱۲ باشد."),
        (
            {"effective_from": "past"},
            "effective_from",
            "سقف جدید از امروز یا تاریخی پس از آن اعمال می‌شود؛ گذشته همان‌طور که بود می‌ماند.",
        ),
        ({"reason": "   "}, "reason", "دلیل سقف جدید را بنویسید."),
        ({"service": "no-such-service"}, "service", NOT_AT_OFFICES),
        (
            {"service": "moe-teacher-employment-certificate"},
            "service",
            NOT_AT_OFFICES,
        ),
    ],
)
def test_each_bad_input_says_what_is_wrong_and_saves_nothing(
    client, regulator, data, field, message
):
    service = Service.objects.get(code=SERVICE)
    before, events = caps_of(service), AuditEvent.objects.count()
    texts = OutboxMessage.objects.count()
    good = {
        "service": SERVICE,
        "amount": "400000",
        "effective_from": format_jalali_numeric(timezone.localdate() + dt.timedelta(days=3)),
        "reason": "مصوبه",
    }
    if data.get("effective_from") == "past":
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        data = {"effective_from": format_jalali_numeric(yesterday)}
    response = client.post(URL, {**good, **data})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field] == [message]
    assert message in response.content.decode()
    assert caps_of(service) == before
    assert AuditEvent.objects.count() == events and OutboxMessage.objects.count() == texts


def test_a_cap_in_force_today_is_not_rewritten(regulator):
    service = Service.objects.get(code=SERVICE)
    today = timezone.localdate()
    set_office_cap(service, 420_000, today, "مصوبه ۱", regulator)
    with pytest.raises(ValidationError) as refused:
        set_office_cap(service, 410_000, today, "مصوبه ۲", regulator)
    assert refused.value.message_dict["effective_from"] == [
        "سقفی از همین روز اجرا شده و تغییر نمی‌کند؛ سقف جدید را از فردا یا پس از آن تعیین کنید."
    ]
    assert fee_in_force(service, FeeKind.OFFICE_CAP, today) == 420_000


def test_only_the_regulator_or_the_national_admin_sets_a_cap():
    service = Service.objects.get(code=SERVICE)
    start = timezone.localdate() + dt.timedelta(days=3)
    for username in ("agencyadmin-nocr", "manager-1001", "supervisor-tehran", "9990000018"):
        with pytest.raises(ValidationError) as refused:
            set_office_cap(service, 1, start, "x", User.objects.get(username=username))
        assert refused.value.messages == [ONLY_THE_REGULATOR]
    set_office_cap(service, 470_000, start, "x", User.objects.get(username="admin"))
    assert (470_000, start) in caps_of(service)


@pytest.mark.parametrize(
    "username",
    [
        "agencyadmin-nocr",
        "manager-1001",
        "operator-1001",
        "supervisor-tehran",
        "9990000018",
        "officer-nocr-tehran",
        "ict-tehran",
        "workgroup-tehran",
    ],
)
def test_other_roles_get_not_found_for_the_page_and_its_post(client, username):
    client.force_login(User.objects.get(username=username))
    service = Service.objects.get(code=SERVICE)
    before = caps_of(service)
    assert client.get(URL).status_code == 404
    response = client.post(
        URL,
        {
            "service": SERVICE,
            "amount": "1",
            "effective_from": format_jalali_numeric(timezone.localdate()),
            "reason": "x",
        },
    )
    assert response.status_code == 404
    assert caps_of(service) == before


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302
    assert client.post(URL, {"service": SERVICE, "amount": "1"}).status_code == 302
    assert client.get(URL)["Location"].startswith(reverse("accounts:login"))


# A lower cap: offices are not refused and their own fee is not rewritten; from the cap's first
# day every request is charged at most the cap, and the managers of offices above it are told.


def test_a_lower_cap_is_charged_from_its_first_day_and_the_office_is_told(regulator):
    service = Service.objects.get(code=SERVICE)
    office = Office.objects.get(licence_number="23-1001")
    set_office_fee(office, service, 400_000)
    today, start = timezone.localdate(), timezone.localdate() + dt.timedelta(days=7)
    above = OfficeService.objects.filter(
        service=service, office_fee_rials__gt=300_000, office__status__in=("active", "suspended")
    ).count()
    change = set_office_cap(service, 300_000, start, "کاهش سقف", regulator)
    assert change.offices_above == above >= 1
    # The office's own fee stays what it set; until the cap's day it is charged.
    assert OfficeService.objects.get(office=office, service=service).office_fee_rials == 400_000
    offering = OfficeService.objects.get(office=office, service=service)

    def office_fee(on):
        lines = fee_lines_for(service, Channel.OFFICE, office, on, offering=offering)
        return {line["code"]: line["amount"] for line in lines}

    assert office_fee(today)["office_fee"] == 400_000
    assert office_fee(start - dt.timedelta(days=1))["office_fee"] == 400_000
    assert office_fee(start)["office_fee"] == 300_000
    assert office_fee(start)["vat"] == 30_000
    # Its manager was told, in Persian, in the decision's transaction.
    text = OutboxMessage.objects.get(recipient="09121001001", event="set_office_cap")
    assert "۳۰۰٬۰۰۰ ریال" in text.body and "۴۰۰٬۰۰۰ ریال" in text.body
    assert format_jalali_date(start, "fa") in text.body
    assert office.name in text.body
    assert AuditEvent.objects.filter(action="set_office_cap").last().data["offices_above"] == above


def test_a_lower_cap_from_today_is_charged_on_todays_filing(regulator, file_request):
    service = Service.objects.get(code=SERVICE)
    set_office_cap(service, 250_000, timezone.localdate(), "کاهش فوری", regulator)
    request, _created = file_request()
    lines = {line["code"]: line["amount"] for line in request.fee_lines}
    assert lines["office_fee"] == 250_000  # the office's own 360,000 is above it
    assert lines["vat"] == 25_000


def test_a_higher_cap_tells_nobody(regulator):
    service = Service.objects.get(code=SERVICE)
    change = set_office_cap(
        service, 900_000, timezone.localdate() + dt.timedelta(days=2), "افزایش", regulator
    )
    assert change.offices_above == 0
    assert not OutboxMessage.objects.filter(event="set_office_cap").exists()
