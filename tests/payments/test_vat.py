"""The VAT rate on office fees is effective-dated data: seeded at 10 %, scheduled ahead, never
rewritten; the filing bundle and every price read it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from pishkhan.accounts.models import User
from pishkhan.cases.services import fee_lines_for
from pishkhan.catalog import filing
from pishkhan.catalog.fees import VAT_PERCENT, fee_schedule, vat_on, vat_percent
from pishkhan.catalog.models import Channel, Service, VatRate
from pishkhan.catalog.services import set_vat_rate
from pishkhan.offices.models import Office, OfficeService

from .conftest import OFFICE_SERVICE, file_office_request, invoice_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("money_settings")]


def test_the_default_rate_is_seeded_at_ten_percent():
    seeded = VatRate.objects.get()
    assert seeded.percent == VAT_PERCENT == 10
    assert seeded.effective_from <= timezone.localdate()
    assert vat_percent() == 10
    assert vat_on(1_000_000) == 100_000
    assert vat_on(5) == 1  # half a Rial rounds up: 0.5 → 1


def test_a_new_rate_applies_from_its_date_and_the_past_keeps_its_own():
    today = timezone.localdate()
    later = today + dt.timedelta(days=10)
    set_vat_rate(12, later, source="قانون بودجه")
    assert vat_percent(today) == 10
    assert vat_percent(later) == 12
    assert vat_percent(later + dt.timedelta(days=400)) == 12
    service = Service.objects.get(code=OFFICE_SERVICE)
    now_lines = {line.code: line for line in fee_schedule(service, Channel.OFFICE, on=today).lines}
    later_lines = {
        line.code: line for line in fee_schedule(service, Channel.OFFICE, on=later).lines
    }
    cap = now_lines["office_fee"].amount_rials
    assert now_lines["vat"].amount_rials == vat_on(cap, today) == (cap * 10 + 50) // 100
    assert later_lines["vat"].amount_rials == (cap * 12 + 50) // 100
    assert "۱۲" in later_lines["vat"].label


def test_the_past_is_never_rewritten():
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        set_vat_rate(9, today - dt.timedelta(days=1))
    in_force = VatRate.objects.get()
    with pytest.raises(ValidationError):
        set_vat_rate(9, in_force.effective_from, allow_past=True)
    with pytest.raises(ValidationError):
        set_vat_rate(101, today + dt.timedelta(days=1))
    with pytest.raises(TypeError):
        set_vat_rate(9.5, today + dt.timedelta(days=1))  # type: ignore[arg-type]
    # A future row may still be changed before it takes effect; setting it again is a no-op.
    future = today + dt.timedelta(days=5)
    first = set_vat_rate(11, future)
    assert set_vat_rate(13, future).pk == first.pk
    assert VatRate.objects.get(effective_from=future).percent == 13
    assert set_vat_rate(13, future).pk == first.pk


def test_the_filing_bundle_sees_a_new_rate_at_once(people):
    """The kept service carries the rates of its catalogue generation; a new VatRate row is a
    new generation (catalog.filing's receiver fires for it)."""
    today = timezone.localdate()
    service = filing.service_for_filing(OFFICE_SERVICE)
    assert service is not None and service.vat_rates[0][1] == 10
    before = filing.generation()
    set_vat_rate(15, today + dt.timedelta(days=3))
    assert filing.generation() != before
    service = filing.service_for_filing(OFFICE_SERVICE)
    assert service is not None and service.vat_rates[0] == (today + dt.timedelta(days=3), 15)
    office = Office.objects.get(licence_number="23-1001")
    offering = OfficeService.objects.get(office=office, service=service)
    lines = fee_lines_for(service, Channel.OFFICE, office, today + dt.timedelta(days=3))
    fee = next(line["amount"] for line in lines if line["code"] == "office_fee")
    vat = next(line["amount"] for line in lines if line["code"] == "vat")
    assert fee > 0 and fee <= offering.office_fee_rials
    assert vat == (fee * 15 + 50) // 100


def test_a_request_keeps_the_vat_of_its_day(people):
    request = file_office_request(people)
    vat_line = next(line for line in request.fee_lines if line["code"] == "vat")
    fee_line = next(line for line in request.fee_lines if line["code"] == "office_fee")
    assert vat_line["amount"] == (fee_line["amount"] * 10 + 50) // 100
    set_vat_rate(20, timezone.localdate() + dt.timedelta(days=1))
    request.refresh_from_db()
    assert next(line for line in request.fee_lines if line["code"] == "vat") == vat_line
    assert invoice_of(request).lines == request.fee_lines


def test_only_the_national_administrator_schedules_vat_in_the_admin(client):
    url = reverse("admin:catalog_vatrate_add")
    client.force_login(User.objects.get(username="agencyadmin-nocr"))
    assert client.get(url).status_code == 403
    admin = User.objects.filter(is_superuser=True).first()
    client.force_login(admin)
    past = {"percent": "9", "effective_from": "1400/01/01", "source": "x"}
    response = client.post(url, past)
    assert response.status_code == 200 and not VatRate.objects.filter(percent=9).exists()
    future = (timezone.localdate() + dt.timedelta(days=30)).strftime("%Y-%m-%d")
    from pishkhan.core.jalali import format_jalali_numeric

    jalali = format_jalali_numeric(dt.date.fromisoformat(future))
    response = client.post(url, {"percent": "۱۲", "effective_from": jalali, "source": "بودجه"})
    assert response.status_code == 302
    assert VatRate.objects.get(percent=12).effective_from == dt.date.fromisoformat(future)
    in_force = VatRate.objects.get(percent=10)
    change = reverse("admin:catalog_vatrate_change", args=[in_force.pk])
    response = client.post(change, {"percent": "5", "source": "x"})
    in_force.refresh_from_db()
    assert in_force.percent == 10
