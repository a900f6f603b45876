"""Settlement (تسویه): for a day or a Jalali month, what each collector — an office at its
counter, or the platform for online payments — collected, and whom it owes: the government fee
to the agency, the VAT to the tax office; the office fee is the office's own. Net of refunds.

One GROUP BY over the ledger (``LedgerEntry``: one row per fee line moved), scoped by who asks:
the regulator and the national administrator see everything, an agency administrator the
agency's rows (and its units'), an office manager the office's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import jdatetime
from django.db.models import Q, QuerySet, Sum

from pishkhan.accounts.models import Scope
from pishkhan.accounts.roles import Role
from pishkhan.catalog.models import Agency
from pishkhan.core.jalali import TEHRAN, to_jalali
from pishkhan.offices.models import Office

from .models import LedgerEntry

DAY, MONTH = "day", "month"
SETTLEMENT_ROLES = (Role.REGULATOR, Role.NATIONAL_ADMIN, Role.AGENCY_ADMIN, Role.OFFICE_MANAGER)


@dataclass(frozen=True)
class Period:
    kind: str
    first: dt.date  # the first day, Tehran calendar
    last: dt.date  # the last day, included

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), tzinfo=TEHRAN)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=TEHRAN)

    @property
    def slug(self) -> str:
        j = to_jalali(self.first)
        if self.kind == MONTH:
            return f"{j.year:04d}-{j.month:02d}"
        return f"{j.year:04d}-{j.month:02d}-{j.day:02d}"


def period_of(kind: str, day: dt.date) -> Period:
    """The day, or the Jalali month holding the day."""
    if kind == MONTH:
        j = to_jalali(day)
        first = jdatetime.date(j.year, j.month, 1).togregorian()
        following = (
            jdatetime.date(j.year + 1, 1, 1)
            if j.month == 12
            else jdatetime.date(j.year, j.month + 1, 1)
        )
        return Period(MONTH, first, following.togregorian() - dt.timedelta(days=1))
    return Period(DAY, day, day)


def ledger_visible_to(user: Any) -> QuerySet[LedgerEntry]:
    scope = Scope.of(user)
    rows = LedgerEntry.objects.all()
    if getattr(user, "is_superuser", False) or scope.role in (Role.REGULATOR, Role.NATIONAL_ADMIN):
        return rows
    if scope.role == Role.AGENCY_ADMIN and scope.agency_id:
        return rows.filter(Q(agency_id=scope.agency_id) | Q(agency__parent_id=scope.agency_id))
    if scope.role == Role.OFFICE_MANAGER and scope.office_id:
        return rows.filter(collector_id=scope.office_id)
    return rows.none()


@dataclass
class Sums:
    government: int = 0
    office_fee: int = 0
    vat: int = 0

    @property
    def total(self) -> int:
        return self.government + self.office_fee + self.vat

    def add(self, line: str, amount: int) -> None:
        setattr(self, line, getattr(self, line) + amount)


@dataclass
class CollectorRow:
    """What one collector (an office, or None: online) collected for one agency."""

    collector: Office | None
    agency: Agency
    sums: Sums


@dataclass
class AgencyRow:
    agency: Agency
    at_offices: int = 0  # government fees collected by offices
    online: int = 0  # government fees collected online

    @property
    def total(self) -> int:
        return self.at_offices + self.online


@dataclass
class Settlement:
    period: Period
    rows: list[CollectorRow] = field(default_factory=list)
    collectors: list[tuple[Office | None, Sums]] = field(default_factory=list)
    agencies: list[AgencyRow] = field(default_factory=list)
    total: Sums = field(default_factory=Sums)


def settle(user: Any, period: Period) -> Settlement:
    grouped = (
        ledger_visible_to(user)
        .filter(at__gte=period.start, at__lt=period.end)
        .values("collector_id", "agency_id", "line")
        .annotate(amount=Sum("amount_rials"))
        .order_by()
    )
    cells: dict[tuple[int | None, int], Sums] = defaultdict(Sums)
    for row in grouped:
        if row["line"] in ("government", "office_fee", "vat"):
            cells[(row["collector_id"], row["agency_id"])].add(row["line"], int(row["amount"]))
    offices = Office.objects.in_bulk({c for c, _a in cells if c is not None})
    agencies = Agency.objects.in_bulk({a for _c, a in cells})
    result = Settlement(period)
    by_collector: dict[int | None, Sums] = defaultdict(Sums)
    by_agency: dict[int, AgencyRow] = {}
    for (collector_id, agency_id), sums in cells.items():
        office = offices.get(collector_id) if collector_id is not None else None
        agency = agencies[agency_id]
        result.rows.append(CollectorRow(office, agency, sums))
        for line in ("government", "office_fee", "vat"):
            by_collector[collector_id].add(line, getattr(sums, line))
            result.total.add(line, getattr(sums, line))
        agency_row = by_agency.setdefault(agency_id, AgencyRow(agency))
        if collector_id is None:
            agency_row.online += sums.government
        else:
            agency_row.at_offices += sums.government

    def collector_key(office: Office | None) -> tuple[int, str]:
        return (1, "") if office is None else (0, office.licence_number)

    result.rows.sort(key=lambda r: (*collector_key(r.collector), r.agency.name_fa))
    result.collectors = sorted(
        ((offices.get(c) if c is not None else None, s) for c, s in by_collector.items()),
        key=lambda pair: collector_key(pair[0]),
    )
    result.agencies = sorted(by_agency.values(), key=lambda r: r.agency.name_fa)
    return result
