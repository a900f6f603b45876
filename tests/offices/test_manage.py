"""The office manager's page: operators, services and fees."""

import pytest
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.catalog.models import Fee, FeeKind, Service
from pishkhan.notify.models import OutboxMessage
from pishkhan.offices.models import Office, OfficeService

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    user = User.objects.get(username="manager-1001")
    client.force_login(user)
    return user


def test_manager_adds_an_operator_who_gets_a_password_link(client, manager, settings):
    response = client.post(
        reverse("offices:manage"),
        {
            "do": "add_operator",
            "op-first_name": "سمیه",
            "op-last_name": "نادری",
            "op-national_code": "0499370899",
            "op-mobile": "۰۹۱۲۵۵۵۰۰۰۰",
        },
    )
    assert response.status_code == 302
    operator = User.objects.get(national_code="0499370899", role="office_operator")
    assert operator.office == manager.office and not operator.has_usable_password()
    sms = OutboxMessage.objects.filter(recipient="09125550000").latest("id").body
    assert operator.username in sms
    # A text message carries the whole address (PISHKHAN_SITE_URL), not a bare path.
    assert f"{settings.PISHKHAN_SITE_URL}/accounts/set-password/" in sms


def test_bad_operator_input_saves_nothing(client, manager):
    count = User.objects.count()
    response = client.post(
        reverse("offices:manage"),
        {
            "do": "add_operator",
            "op-first_name": "x",
            "op-last_name": "y",
            "op-national_code": "1234567890",
            "op-mobile": "0912",
        },
    )
    assert response.status_code == 200 and User.objects.count() == count
    assert "کد ملی معتبر نیست" in response.content.decode()


def test_fees_within_the_cap_and_offerings(client, manager):
    office = manager.office
    service = Service.objects.get(code="nocr-birth-certificate-duplicate")
    cap = (
        Fee.objects.filter(service=service, kind=FeeKind.OFFICE_CAP)
        .latest("effective_from")
        .amount_rials
    )
    url = reverse("offices:manage")
    client.post(url, {"do": "set_fee", "service": service.pk, "fee": "۳۰۰٬۰۰۰"})
    assert OfficeService.objects.get(office=office, service=service).office_fee_rials == 300_000
    response = client.post(
        url, {"do": "set_fee", "service": service.pk, "fee": str(cap + 1)}, follow=True
    )
    assert "سقف" in response.content.decode()
    assert OfficeService.objects.get(office=office, service=service).office_fee_rials == 300_000
    response = client.post(url, {"do": "set_fee", "service": service.pk, "fee": "abc"}, follow=True)
    assert "عدد صحیح" in response.content.decode()
    client.post(url, {"do": "remove", "service": service.pk})
    assert not OfficeService.objects.filter(office=office, service=service).exists()


def test_rank_share_is_shown_and_enforced(client, manager):
    office = manager.office
    Office.objects.filter(pk=office.pk).update(rank=3)
    service = Service.objects.get(code="gas-meter-test")
    OfficeService.objects.filter(office=office, service=service).delete()
    response = client.post(
        reverse("offices:manage"), {"do": "set_fee", "service": service.pk, "fee": "0"}, follow=True
    )
    assert "رتبه" in response.content.decode()
    assert not OfficeService.objects.filter(office=office, service=service).exists()


def test_only_the_manager_opens_it(client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    client.force_login(User.objects.get(username="operator-1001"))
    assert client.get(reverse("offices:manage")).status_code == 404
