"""Settlement: what each collector took and owes, per period, reconciled to the Rial with the
payments and refunds it sums — on 10,000 random ones — and shown only to whom it concerns."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import defaultdict

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.services import fee_lines_for
from pishkhan.catalog.models import Channel, Service
from pishkhan.core.identifiers import new_tracking_code
from pishkhan.core.jalali import TEHRAN, format_jalali_numeric, to_jalali
from pishkhan.offices.models import Office, OfficeService
from pishkhan.payments.ledger import payment_entries, plan_refund, refund_entries, refundable
from pishkhan.payments.models import (
    Invoice,
    InvoiceStatus,
    LedgerEntry,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
)
from pishkhan.payments.settlement import DAY, MONTH, period_of, settle
from pishkhan.workflow.models import WorkflowDefinition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("money_settings")]

PAYMENTS = 10_000
LINES = ("government", "office_fee", "vat")


def _random_moment(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    span = max(int((end - start).total_seconds()), 1)
    return start + dt.timedelta(seconds=rng.randrange(span))


def test_settlement_reconciles_to_the_rial_over_ten_thousand_random_payments_and_refunds():
    rng = random.Random(1405)
    LedgerEntry.objects.all().delete()  # the demo's movements: this test counts its own only
    now = timezone.now()
    month = period_of(MONTH, timezone.localdate())
    month_start = month.start
    citizen = User.objects.filter(role=Role.CITIZEN).first()
    workflow = WorkflowDefinition.objects.current("default")
    offices = list(Office.objects.active().order_by("licence_number")[:6])
    # Every (service, place) a request may be filed at, with its real fee lines of today.
    choices = []
    for office in offices:
        for offering in OfficeService.objects.filter(office=office).select_related("service")[:4]:
            lines = fee_lines_for(offering.service, Channel.OFFICE, office, timezone.localdate())
            choices.append((offering.service, office, lines))
    for service in Service.objects.filter(offered_online=True).order_by("pk")[:5]:
        choices.append(
            (service, None, fee_lines_for(service, Channel.ONLINE, None, timezone.localdate()))
        )
    choices = [c for c in choices if sum(line["amount"] for line in c[2]) > 0]
    assert len({c[1] for c in choices}) >= 4

    codes: set[str] = set()
    while len(codes) < PAYMENTS:
        codes.add(new_tracking_code())
    picks = [rng.choice(choices) for _ in range(PAYMENTS)]
    requests = ServiceRequest.objects.bulk_create(
        ServiceRequest(
            tracking_code=code,
            service=service,
            agency_id=service.agency_id,
            province_id=office.province_id if office else citizen.province_id,
            citizen=citizen,
            channel=Channel.OFFICE if office else Channel.ONLINE,
            office=office,
            workflow=workflow,
            status="submitted",
            fee_lines=lines,
            fee_total_rials=sum(line["amount"] for line in lines),
            submitted_at=month_start,
            sla_due_on=timezone.localdate(),
        )
        for code, (service, office, lines) in zip(sorted(codes), picks, strict=True)
    )
    invoices = Invoice.objects.bulk_create(
        Invoice(
            request=r,
            office_id=r.office_id,
            agency_id=r.agency_id,
            province_id=r.province_id,
            lines=r.fee_lines,
            total_rials=r.fee_total_rials,
            paid_rials=r.fee_total_rials,
            status=InvoiceStatus.PAID,
        )
        for r in requests
    )
    moments = [_random_moment(rng, month_start, now) for _ in invoices]
    payments = Payment.objects.bulk_create(
        Payment(
            invoice=invoice,
            method=(
                rng.choice([PaymentMethod.CASH, PaymentMethod.POS])
                if invoice.office_id
                else PaymentMethod.ONLINE
            ),
            status=PaymentStatus.PAID,
            amount_rials=invoice.total_rials,
            reference=str(rng.randrange(10**11, 10**12)),
            settled_at=at,
        )
        for invoice, at in zip(invoices, moments, strict=True)
    )
    entries = []
    for invoice, payment, at in zip(invoices, payments, moments, strict=True):
        entries += payment_entries(invoice, payment, at)

    # Refunds: some invoices, some lines, whole or in part, one or two refunds each.
    refunds, refund_moments, refund_payments = [], [], []
    for invoice, payment, at in zip(invoices, payments, moments, strict=True):
        if rng.random() > 0.3:
            continue
        earlier: list[list[dict]] = []
        for _ in range(rng.choice([1, 1, 2])):
            left = refundable(invoice.lines, earlier)
            open_lines = [code for code, amount in left.items() if amount > 0]
            if not open_lines:
                break
            wanted = {
                code: rng.choice([left[code], rng.randint(1, left[code])])
                for code in rng.sample(open_lines, rng.randint(1, len(open_lines)))
            }
            planned = plan_refund(left, wanted)
            earlier.append(planned)
            refunds.append(
                Refund(
                    invoice=invoice,
                    payment=payment,
                    lines=planned,
                    amount_rials=sum(line["amount"] for line in planned),
                    reason="آزمایش",
                )
            )
            refund_moments.append(_random_moment(rng, at, now))
            refund_payments.append(payment)
    refunds = Refund.objects.bulk_create(refunds)
    for refund_row, payment, at in zip(refunds, refund_payments, refund_moments, strict=True):
        entries += refund_entries(refund_row.invoice, payment, refund_row, at)
    LedgerEntry.objects.bulk_create(entries, batch_size=5000)
    assert len(refunds) > 2000

    # What the settlement must say, worked out here from the movements themselves.
    def expected_for(first: dt.datetime, end: dt.datetime) -> dict[tuple, int]:
        sums: dict[tuple, int] = defaultdict(int)
        for invoice, at in zip(invoices, moments, strict=True):
            if first <= at < end:
                for line in invoice.lines:
                    sums[(invoice.office_id, invoice.agency_id, line["code"])] += line["amount"]
        for refund_row, at in zip(refunds, refund_moments, strict=True):
            if first <= at < end:
                invoice = refund_row.invoice
                for line in refund_row.lines:
                    sums[(invoice.office_id, invoice.agency_id, line["code"])] -= line["amount"]
        return sums

    regulator = User.objects.get(username="regulator")

    def check(period) -> None:
        result = settle(regulator, period)
        expected = expected_for(period.start, period.end)
        got = {
            (row.collector.pk if row.collector else None, row.agency.pk, line): getattr(
                row.sums, line
            )
            for row in result.rows
            for line in LINES
        }
        assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if v}
        for line in LINES:
            assert getattr(result.total, line) == sum(
                v for k, v in expected.items() if k[2] == line
            )
        for office, sums in result.collectors:
            key = office.pk if office else None
            assert sums.total == sum(v for k, v in expected.items() if k[0] == key)
        for agency_row in result.agencies:
            online = sum(
                v
                for k, v in expected.items()
                if k[1] == agency_row.agency.pk and k[2] == "government" and k[0] is None
            )
            at_offices = sum(
                v
                for k, v in expected.items()
                if k[1] == agency_row.agency.pk and k[2] == "government" and k[0] is not None
            )
            assert (agency_row.online, agency_row.at_offices) == (online, at_offices)

    check(month)
    today = timezone.localdate()
    days = {
        today,
        month.first,
        *(month.first + dt.timedelta(days=rng.randrange(31)) for _ in range(3)),
    }
    for day in sorted(d for d in days if month.first <= d <= today):
        check(period_of(DAY, day))

    # And the same totals read straight from the payment and refund tables, per collector.
    result = settle(regulator, month)
    ours = Invoice.objects.filter(pk__in=[i.pk for i in invoices])
    for office, sums in result.collectors:
        paid = Payment.objects.filter(invoice__in=ours, invoice__office=office, status="paid")
        refunded = Refund.objects.filter(invoice__in=ours, invoice__office=office)
        assert sums.total == (paid.aggregate(s=Sum("amount_rials"))["s"] or 0) - (
            refunded.aggregate(s=Sum("amount_rials"))["s"] or 0
        )
    assert result.total.total == sum(p.amount_rials for p in payments) - sum(
        r.amount_rials for r in refunds
    )


def test_a_month_is_the_jalali_month_in_tehran_time():
    day = dt.date(2026, 12, 1)  # 10 Azar 1405
    month = period_of(MONTH, day)
    assert (to_jalali(month.first).month, to_jalali(month.first).day) == (9, 1)
    assert to_jalali(month.last + dt.timedelta(days=1)).day == 1
    assert month.start == dt.datetime(2026, 11, 22, tzinfo=TEHRAN)
    assert month.slug == "1405-09"
    esfand = period_of(MONTH, dt.date(2027, 3, 1))
    assert to_jalali(esfand.last + dt.timedelta(days=1)).month == 1
    assert period_of(DAY, day).end - period_of(DAY, day).start == dt.timedelta(days=1)


def _csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def _ledger_total(**filters) -> int:
    period = period_of(DAY, timezone.localdate())
    return (
        LedgerEntry.objects.filter(at__gte=period.start, at__lt=period.end, **filters).aggregate(
            s=Sum("amount_rials")
        )["s"]
        or 0
    )


def test_each_role_sees_its_own_settlement_on_screen_and_in_files(client, people):
    """The demo paid some requests today (cash, POS, online) and refunded one."""
    url = reverse("payments:settlement")
    office = Office.objects.get(licence_number="23-1001")
    nocr = people["agencyadmin-nocr"].agency

    client.force_login(people["regulator"])
    page = client.get(url)
    assert page.status_code == 200
    everything = _ledger_total()
    assert everything > 0 and page.context["result"].total.total == everything
    rows = _csv_rows(client.get(url, {"export": "csv"}))
    assert rows[-1][1] == "جمع" and int(rows[-1][-1]) == everything
    assert {r[0] for r in rows[1:-1]} >= {"23-1001", "online"}

    client.force_login(people["manager-1001"])
    rows = _csv_rows(client.get(url, {"export": "csv"}))
    assert {r[0] for r in rows[1:-1]} == {"23-1001"}
    assert int(rows[-1][-1]) == _ledger_total(collector=office)

    client.force_login(people["agencyadmin-nocr"])
    response = client.get(url, {"export": "xlsx", "period": "month"})
    assert response.status_code == 200
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content))
    by_office, by_agency = book.worksheets
    assert by_office.sheet_view.rightToLeft
    data = list(by_office.iter_rows(min_row=2, values_only=True))
    assert {r[2] for r in data[:-1]} == {nocr.code}
    month = period_of(MONTH, timezone.localdate())
    mine = LedgerEntry.objects.filter(agency=nocr, at__gte=month.start, at__lt=month.end)
    assert data[-1][-1] == mine.aggregate(s=Sum("amount_rials"))["s"]
    agency_rows = list(by_agency.iter_rows(min_row=2, values_only=True))
    government = mine.filter(line="government").aggregate(s=Sum("amount_rials"))["s"]
    assert [(r[0], r[-1]) for r in agency_rows] == [(nocr.code, government)]

    for outsider in ("operator-1001", "officer-nocr-tehran", "citizen"):
        client.force_login(people[outsider])
        assert client.get(url).status_code == 404, outsider
    client.logout()
    assert client.get(url).status_code == 302


def test_bad_settlement_input_is_a_clear_error(client, people):
    client.force_login(people["regulator"])
    url = reverse("payments:settlement")
    for params in (
        {"period": "year"},
        {"period": "day", "date": "1405/13/01"},
        {"period": "day", "date": "x" * 200},
    ):
        response = client.get(url, params)
        assert response.status_code == 400
        assert "result" not in response.context
    day = format_jalali_numeric(timezone.localdate() - dt.timedelta(days=400))
    response = client.get(url, {"period": "day", "date": day})
    assert response.status_code == 200
    assert "هیچ مبلغی" in response.content.decode()
