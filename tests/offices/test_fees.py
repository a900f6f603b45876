"""An office's own fee: never above the cap in force today, only for services offered at offices."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pishkhan.catalog.fees import fee_in_force
from pishkhan.catalog.models import FeeKind, Service
from pishkhan.catalog.services import set_fee
from pishkhan.offices.models import Office, OfficeService
from pishkhan.offices.services import set_office_fee

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return Office.objects.get(licence_number="23-1001")


@pytest.fixture
def service():
    return Service.objects.get(code="nocr-birth-certificate-duplicate")


def cap_today(service):
    return fee_in_force(service, FeeKind.OFFICE_CAP, timezone.localdate())


def test_a_fee_up_to_the_cap_is_set(office, service):
    cap = cap_today(service)
    assert cap == 450_000  # the cap from 1404/01/01, not the older 350,000
    offering = set_office_fee(office, service, 400_000)
    assert offering.office_fee_rials == 400_000  # above the old cap, below today's
    assert set_office_fee(office, service, cap).office_fee_rials == cap
    assert OfficeService.objects.get(office=office, service=service).office_fee_rials == cap
    assert set_office_fee(office, service, 0).office_fee_rials == 0


def test_a_fee_above_the_cap_is_refused_and_nothing_changes(office, service):
    before = OfficeService.objects.get(office=office, service=service).office_fee_rials
    with pytest.raises(ValidationError) as refused:
        set_office_fee(office, service, cap_today(service) + 1)
    assert refused.value.message_dict["office_fee_rials"] == [
        "کارمزد دفتر نمی‌تواند بیشتر از سقف ۴۵۰٬۰۰۰ ریال باشد."
    ]
    assert OfficeService.objects.get(office=office, service=service).office_fee_rials == before


def test_the_refusal_reads_in_english_too(office, service):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        set_office_fee(office, service, 10_000_000)
    with translation.override("en"):
        assert refused.value.message_dict["office_fee_rials"] == [
            "The office fee may not be above the cap of 450,000 Rials."
        ]


def test_a_new_offering_is_checked_too(office, service):
    OfficeService.objects.filter(office=office, service=service).delete()
    with pytest.raises(ValidationError):
        set_office_fee(office, service, 450_001)
    assert not OfficeService.objects.filter(office=office, service=service).exists()
    created = set_office_fee(office, service, 300_000)
    assert created.pk and created.office == office


def test_an_online_only_service_has_no_office_fee(office):
    online_only = Service.objects.get(code="moe-teacher-employment-certificate")
    assert not online_only.offered_at_office
    with pytest.raises(ValidationError) as refused:
        set_office_fee(office, online_only, 0)
    assert refused.value.message_dict["service"] == ["این خدمت در دفاتر پیشخوان ارائه نمی‌شود."]
    assert not OfficeService.objects.filter(office=office, service=online_only).exists()


def test_a_negative_fee_or_a_float_is_refused(office, service):
    with pytest.raises(ValidationError) as refused:
        set_office_fee(office, service, -1)
    assert "office_fee_rials" in refused.value.message_dict
    with pytest.raises(TypeError):
        set_office_fee(office, service, 1000.0)


def test_an_absurdly_large_fee_is_refused_as_above_the_cap_only(office, service):
    # Not also "at most 9223372036854775807" (the column's bound, in Latin digits).
    with pytest.raises(ValidationError) as refused:
        set_office_fee(office, service, 10**22)
    assert refused.value.message_dict == {
        "office_fee_rials": ["کارمزد دفتر نمی‌تواند بیشتر از سقف ۴۵۰٬۰۰۰ ریال باشد."]
    }


def test_model_clean_is_the_rule(office, service):
    offering = OfficeService(office=office, service=service, office_fee_rials=999_999_999)
    with pytest.raises(ValidationError):
        offering.clean()


def test_a_cap_from_tomorrow_does_not_apply_today(office, service):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    # A higher cap from tomorrow: today's cap still holds.
    set_fee(service, FeeKind.OFFICE_CAP, 600_000, tomorrow, source="test")
    with pytest.raises(ValidationError):
        set_office_fee(office, service, 500_000)
    # A lower cap from tomorrow: today the office may still charge up to today's cap.
    set_fee(service, FeeKind.OFFICE_CAP, 200_000, tomorrow, source="test")
    assert set_office_fee(office, service, 450_000).office_fee_rials == 450_000


def test_a_cap_from_today_applies_at_once(office, service):
    set_fee(service, FeeKind.OFFICE_CAP, 500_000, timezone.localdate(), source="test")
    assert set_office_fee(office, service, 500_000).office_fee_rials == 500_000
    with pytest.raises(ValidationError) as refused:
        set_office_fee(office, service, 500_001)
    assert "۵۰۰٬۰۰۰ ریال" in refused.value.message_dict["office_fee_rials"][0]


# The admin: the office page lists its offerings, and a fee above the cap is refused there too.


def office_form_data(office):
    data = {
        "name": office.name,
        "licence_number": office.licence_number,
        "kind": office.kind,
        "county": office.county_id,
        "address": office.address,
        "postal_code": office.postal_code,
        "phone": office.phone,
        "status": office.status,
        "opening_hours": office.opening_hours,
        "insured_staff": office.insured_staff,
        "operator_kind": office.operator_kind,
    }
    offerings = list(office.offerings.order_by("pk"))
    data.update(
        {
            "offerings-TOTAL_FORMS": str(len(offerings)),
            "offerings-INITIAL_FORMS": str(len(offerings)),
            "offerings-MIN_NUM_FORMS": "0",
            "offerings-MAX_NUM_FORMS": "1000",
        }
    )
    for i, offering in enumerate(offerings):
        data[f"offerings-{i}-id"] = str(offering.pk)
        data[f"offerings-{i}-office"] = str(office.pk)
        data[f"offerings-{i}-service"] = str(offering.service_id)
        data[f"offerings-{i}-office_fee_rials"] = str(offering.office_fee_rials)
    return data, offerings


def test_admin_refuses_a_fee_above_the_cap(client, admin_user, office, service):
    client.force_login(admin_user)
    url = f"/admin/offices/office/{office.pk}/change/"
    assert client.get(url).status_code == 200
    data, offerings = office_form_data(office)
    index = next(i for i, o in enumerate(offerings) if o.service_id == service.pk)
    before = offerings[index].office_fee_rials
    data[f"offerings-{index}-office_fee_rials"] = "۵۰۰۰۰۰"  # Persian digits, as typed
    response = client.post(url, data)
    assert response.status_code == 200
    assert "کارمزد دفتر نمی‌تواند بیشتر از سقف ۴۵۰٬۰۰۰ ریال باشد." in response.content.decode()
    assert OfficeService.objects.get(pk=offerings[index].pk).office_fee_rials == before

    data[f"offerings-{index}-office_fee_rials"] = "۴۲۰۰۰۰"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert OfficeService.objects.get(pk=offerings[index].pk).office_fee_rials == 420_000


def test_admin_adds_an_offering_through_the_same_rule(client, admin_user, office, service):
    client.force_login(admin_user)
    OfficeService.objects.filter(office=office, service=service).delete()
    url = f"/admin/offices/office/{office.pk}/change/"
    data, offerings = office_form_data(office)
    n = len(offerings)
    data["offerings-TOTAL_FORMS"] = str(n + 1)
    data[f"offerings-{n}-office"] = str(office.pk)
    data[f"offerings-{n}-service"] = str(service.pk)
    data[f"offerings-{n}-office_fee_rials"] = "450001"
    assert client.post(url, data).status_code == 200
    assert not OfficeService.objects.filter(office=office, service=service).exists()
    data[f"offerings-{n}-office_fee_rials"] = "300000"
    assert client.post(url, data).status_code == 302
    assert OfficeService.objects.get(office=office, service=service).office_fee_rials == 300_000
