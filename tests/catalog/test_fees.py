import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pishkhan.catalog import filing
from pishkhan.catalog.fees import fee_in_force, fee_schedule
from pishkhan.catalog.models import Channel, Fee, FeeKind, Service
from pishkhan.catalog.services import set_fee

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return Service.objects.get(code="nocr-birth-certificate-duplicate")


def test_office_lines_are_government_fee_office_cap_and_vat(service):
    schedule = fee_schedule(service, Channel.OFFICE)
    amounts = {line.code: line.amount_rials for line in schedule.lines}
    cap = (
        Fee.objects.filter(service=service, kind=FeeKind.OFFICE_CAP)
        .latest("effective_from")
        .amount_rials
    )
    assert amounts == {"government": 300_000, "office_fee": cap, "vat": cap // 10}
    assert schedule.total_rials == 300_000 + cap + cap // 10


def test_online_has_no_office_fee(service):
    schedule = fee_schedule(service, Channel.ONLINE)
    assert [line.code for line in schedule.lines] == ["government"]
    assert schedule.total_rials == 300_000


def test_fees_are_effective_dated_and_the_past_is_kept(service):
    today = timezone.localdate()
    future = today + dt.timedelta(days=30)
    set_fee(service, FeeKind.GOVERNMENT, 400_000, future, source="test")
    assert fee_schedule(service, Channel.ONLINE, on=today).total_rials == 300_000
    assert fee_schedule(service, Channel.ONLINE, on=future).total_rials == 400_000
    # The row that was in force is still there, unchanged.
    assert Fee.objects.filter(
        service=service, kind=FeeKind.GOVERNMENT, amount_rials=300_000
    ).exists()


def test_a_fee_cannot_be_set_in_the_past(service):
    with pytest.raises(ValidationError):
        set_fee(service, FeeKind.GOVERNMENT, 1, timezone.localdate() - dt.timedelta(days=1))


def test_a_fee_in_force_cannot_be_rewritten(service):
    in_force = Fee.objects.filter(service=service, kind=FeeKind.GOVERNMENT).earliest(
        "effective_from"
    )
    with pytest.raises(ValidationError):
        set_fee(service, FeeKind.GOVERNMENT, 1, in_force.effective_from, allow_past=True)
    in_force.refresh_from_db()
    assert in_force.amount_rials == 300_000


def test_a_future_fee_can_be_corrected_before_it_starts(service):
    future = timezone.localdate() + dt.timedelta(days=10)
    set_fee(service, FeeKind.GOVERNMENT, 500_000, future)
    set_fee(service, FeeKind.GOVERNMENT, 450_000, future)
    assert (
        Fee.objects.get(
            service=service, kind=FeeKind.GOVERNMENT, effective_from=future
        ).amount_rials
        == 450_000
    )


def test_online_only_service_has_no_office_fee():
    service = Service.objects.get(code="moe-teacher-employment-certificate")
    with pytest.raises(ValidationError):
        set_fee(service, FeeKind.OFFICE_CAP, 100, timezone.localdate())
    assert fee_schedule(service, Channel.ONLINE).is_free


def test_money_must_be_integers(service):
    with pytest.raises(TypeError):
        set_fee(service, FeeKind.GOVERNMENT, 10.5, timezone.localdate())  # type: ignore[arg-type]


def test_assessed_fees_are_not_shown_as_free():
    service = Service.objects.get(code="municipality-passenger-car-toll")
    schedule = fee_schedule(service, Channel.ONLINE)
    assert schedule.is_assessed and not schedule.is_free


def test_filing_keeps_the_service_until_the_catalogue_changes(django_assert_num_queries):
    first = filing.service_for_filing("gas-meter-test")
    assert first is not None and first.current_workflow.key == first.workflow_key
    with django_assert_num_queries(0):
        assert filing.service_for_filing("gas-meter-test") is first
    today = timezone.localdate()
    before = fee_in_force(first, FeeKind.GOVERNMENT, today)
    set_fee(first, FeeKind.GOVERNMENT, before + 10_000, today, allow_past=True)
    again = filing.service_for_filing("gas-meter-test")
    assert again is not first
    assert fee_in_force(again, FeeKind.GOVERNMENT, today) == before + 10_000
    # A fee that comes into force later needs no new generation: the bundle keeps every fee.
    later = today + dt.timedelta(days=30)
    set_fee(again, FeeKind.GOVERNMENT, before + 20_000, later)
    kept = filing.service_for_filing("gas-meter-test")
    assert fee_in_force(kept, FeeKind.GOVERNMENT, today) == before + 10_000
    assert fee_in_force(kept, FeeKind.GOVERNMENT, later) == before + 20_000


def test_a_withdrawn_service_is_not_filed_from_the_kept_bundle():
    service = filing.service_for_filing("gas-meter-test")
    assert service is not None
    stored = Service.objects.get(pk=service.pk)
    stored.is_active = False
    stored.save()
    assert filing.service_for_filing("gas-meter-test") is None
    assert filing.service_for_filing("no-such-service") is None
