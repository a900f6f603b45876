"""What the admin's Persian UI reads of our own models is Persian: every field an administrator
sees has a name of ours (Django's fallback is the English field name: "Attempts", "Decided by"),
and the records an administrator edits are named with Jalali days and Persian digits, not
"10% from 2000-01-01"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.utils import translation

from pishkhan.catalog.models import Fee, VatRate
from pishkhan.core.jalali import format_jalali_date
from pishkhan.core.models import CalendarOverride, County
from pishkhan.core.text import to_persian_digits
from pishkhan.licensing.models import CountyCapacity, RankingRun, Suspension
from pishkhan.notify.models import OutboxMessage
from pishkhan.offices.models import Office

pytestmark = pytest.mark.django_db

LATIN_DIGIT = re.compile(r"[0-9]")


def test_every_field_of_our_models_in_the_admin_has_a_name_of_ours():
    unnamed = [
        f"{model._meta.label}.{field.name}"
        for model in admin.site._registry
        if model.__module__.startswith("pishkhan.")
        for field in model._meta.get_fields()
        if getattr(field, "concrete", False)
        and not field.auto_created
        and field.editable  # the catalogue's search index is never shown
        and field._verbose_name is None
    ]
    assert unnamed == []


def test_an_outbox_message_is_shown_with_persian_field_names(client, admin_user):
    message = OutboxMessage.objects.create(recipient="09120000000", body="سلام", attempts=2)
    client.force_login(admin_user)
    page = client.get(f"/admin/notify/outboxmessage/{message.pk}/change/").content.decode()
    for english in ("Attempts", "Last error", "Provider id", "Subject type", "Sensitive"):
        assert f">{english}" not in page


def test_records_an_administrator_edits_are_named_in_jalali_with_persian_digits(admin_user):
    rate = VatRate.objects.order_by("effective_from").first()
    fee = Fee.objects.select_related("service").filter(amount_rials__gt=0).first()
    county = County.objects.first()
    office = Office.objects.first()
    day = dt.date(2026, 3, 21)
    records = [
        rate,
        CalendarOverride(date=day, title="تعطیل"),
        CountyCapacity(county=county, capacity=12, effective_from=day, note="-"),
        Suspension(office=office, reason="-", starts_on=day, until=dt.date(2026, 4, 20)),
        RankingRun(period_start=day, period_end=dt.date(2026, 9, 22), run_by=admin_user),
    ]
    with translation.override("fa"):
        for record in records:
            office_name = str(getattr(record, "office", ""))  # an office's own name is data
            assert not LATIN_DIGIT.search(str(record).replace(office_name, ""))
        assert "۱ فروردین ۱۴۰۵" in str(records[1])
        fee_name = str(fee)
        assert fee_name.startswith(f"{fee.service.code}: ")
        assert not LATIN_DIGIT.search(fee_name.removeprefix(fee.service.code))
        assert str(rate) == (
            f"{to_persian_digits(rate.percent)}٪ از {format_jalali_date(rate.effective_from)}"
        )
    with translation.override("en"):
        assert str(records[1]) == "1 Farvardin 1405: تعطیل"
        assert str(rate) == f"{rate.percent}% from {format_jalali_date(rate.effective_from, 'en')}"


def test_the_ledger_and_the_data_access_record_name_fee_lines_and_roles(client, admin_user):
    # Both keep a code in a plain text field; the lists and their filters showed the code
    # ("office_fee", "agency_admin") on the Persian page (the product walk of 2026-12-02).
    from django.utils import timezone

    from pishkhan.accounts.models import User
    from pishkhan.cases.models import DataAccess

    officer = User.objects.get(username="officer-nocr-tehran")
    citizen = User.objects.filter(role="citizen").first()
    DataAccess.objects.create(
        citizen=citizen,
        kind="request",
        actor=officer,
        actor_role="agency_officer",
        at=timezone.now(),
    )
    client.force_login(admin_user)
    ledger = client.get("/admin/payments/ledgerentry/").content.decode()
    assert "کارمزد دفتر (سهم دفتر)" in ledger
    accesses = client.get("/admin/cases/dataaccess/").content.decode()
    for page, codes in ((ledger, ("office_fee", "government")), (accesses, ("agency_officer",))):
        shown = re.sub(r"<[^>]+>", " ", page)  # what is read, not the links' addresses
        for code in codes:
            assert code not in shown, code
    assert "کارشناس دستگاه" in re.sub(r"<[^>]+>", " ", accesses)
