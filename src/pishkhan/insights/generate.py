"""Synthetic service requests with their audit trails, for dashboards, demos and the bench
(``pishkhan generate --requests N``). docs/insights.md, "Generating data and the dashboard bench".

What it makes is consistent with the models and the app's own rules, so every page, ``pishkhan
audit verify`` and ``pishkhan rollup rebuild`` work on it:

* requests filed over the last ``years`` years, ids in filing order, more each year, by a weekly
  rhythm (Saturday busiest, Thursday half a day, Friday and holidays online only) and a daily one
  (counters 8:00-16:00 Tehran, online all day with evening peak), fewer at Nowruz;
* the services of every agency on the default workflow (a few popular, many rare), at the
  counter (65 % where a service is offered both ways) or online; the province of the office, or
  the citizen's online; the office one of the province's active offices that offers the service;
* each request's path through the default workflow, as officers, operators and citizens move it:
  review after a wait scaled to the service's SLA and the agency's pace (log-normal: long tails,
  some SLA breaches), "more information needed" and the answer (or none), approval or rejection,
  delivery; cancellations; officers act in working hours on working days. Nothing lies in the
  future: a path stops at now, leaving the request in the state it reached;
* tracking codes unique, random-looking, with the Damm check digit: a bijection of the request's
  number ``n`` (kept in its idempotency key ``gen-<n>``, so a second run continues the numbering);
* the audit events of each request hash-chained exactly as ``core.audit.record_event`` makes them
  (the same canonical JSON), written in time order, so ids grow with time as in a real log.

Reference data it needs and makes, idempotently: the catalogue and geography (``pishkhan demo``
first), generated offices (licence ``<province>-8nnn``, spread over the province's counties, by
population) with an operator each and every counter service offered at 80 % of the cap, a
national officer per agency (``gen-officer-<agency>``), and citizens: national codes
``97nnnnnnnC`` (valid check digit), created in bulk up to the number asked for and reused by later
runs, provinces by population.

PostgreSQL: rows stream with COPY (psycopg 3 ``cursor.copy``) from a writer thread while the next
chunk is generated; large runs drop the two tables' secondary indexes and constraints first and
build them again at the end (one sort each instead of millions of random insertions), inside the
same transaction. SQLite: the same rows through ``executemany`` (small runs, tests).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import queue
import random
import threading
import time
from array import array
from binascii import hexlify
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from pishkhan.core.identifiers import national_code_check_digit

try:  # OpenSSL's SHA-256 without hashlib's name look-up: a third faster per event
    from _hashlib import openssl_sha256 as _sha256
except ImportError:  # pragma: no cover
    from hashlib import sha256 as _sha256

SUBJECT = "service_request"
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
# Tehran is UTC+03:30 since 2022 (no daylight saving). Used only to place times in working hours
# and the daily rhythm; the rollups and pages use the real zone.
TEHRAN_OFFSET_MS = 12_600_000
EPOCH = dt.date(1970, 1, 1)

# Tracking codes: body(n) = (n * MULTIPLIER + OFFSET) mod SPAN + 10**10, a bijection of n modulo
# SPAN (MULTIPLIER is coprime to SPAN), so codes never repeat; the bench's gen_data.sql uses
# another multiplier, and any clash with an existing code is skipped.
MULTIPLIER = 7_777_777_781
OFFSET = 4_242_424_243
SPAN = 90_000_000_000
KEY_PREFIX = "gen-"

CITIZEN_PREFIX = "97"
OFFICE_MARK = "8"  # generated offices: licence <province SCI code>-8nnn
FIRST_NAMES = ("زهرا", "علی", "فاطمه", "محمد", "مریم", "حسین", "سارا", "رضا", "نرگس", "امیر")
LAST_NAMES = ("احمدی", "رضایی", "کریمی", "حسینی", "موسوی", "محمدی", "جعفری", "صادقی", "رحیمی")
ASK_COMMENTS = (
    "تصویر صفحه دوم شناسنامه خوانا نیست؛ لطفاً دوباره بارگذاری کنید.",
    "نشانی محل سکونت با کد پستی مطابقت ندارد؛ لطفاً اصلاح کنید.",
    "مدرک بارگذاری‌شده ناقص است.",
)
REJECT_COMMENTS = (
    "مدارک ارائه‌شده با اطلاعات ثبت احوال مطابقت ندارد.",
    "متقاضی شرایط دریافت این خدمت را ندارد.",
)

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def _damm_blocks(width: int) -> list[list[int]]:
    """The Damm state after ``width`` more digits, per state and block of digits."""
    table = []
    for state in range(10):
        row = []
        for block in range(10**width):
            s = state
            for digit in f"{block:0{width}d}":
                s = _DAMM[s][int(digit)]
            row.append(s)
        table.append(row)
    return table


_DAMM2 = _damm_blocks(2)
_DAMM3 = _damm_blocks(3)


def tracking_code_of(n: int) -> int:
    """The 12-digit tracking code of generated request ``n``: body(n) and its Damm digit."""
    body = (n * MULTIPLIER + OFFSET) % SPAN + 10_000_000_000
    s = _DAMM2[0][body // 1_000_000_000]
    s = _DAMM3[s][body // 1_000_000 % 1000]
    s = _DAMM3[s][body // 1000 % 1000]
    s = _DAMM3[s][body % 1000]
    return body * 10 + s


def citizen_code_of(index: int) -> str:
    first_nine = f"{CITIZEN_PREFIX}{index:07d}"
    return first_nine + str(national_code_check_digit(first_nine))


# --- reference data -----------------------------------------------------------------------------


@dataclass
class ServiceInfo:
    id: int
    agency_id: int
    sla_days: int
    at_office: bool
    online: bool
    pace: float  # the agency's pace: waits are multiplied by it
    approve: float  # share approved of those decided
    form: bytes = b""  # COPY text of the form data
    # COPY text of (form_data, fee_lines, fee_total) per channel (at the counter: per office)
    online_part: bytes = b""
    office_parts: dict[int, bytes] = field(default_factory=dict)  # office id -> part
    office_totals: dict[int, int] = field(default_factory=dict)
    online_total: int = 0


@dataclass
class Actor:
    id: int
    name: str
    role: str


@dataclass
class Reference:
    services: list[ServiceInfo]
    service_cum: list[float]
    online_services: list[ServiceInfo]
    online_cum: list[float]
    province_ids: list[int]
    province_cum: list[float]
    # (province id, service id) -> offices offering it there
    offices: dict[tuple[int, int], list[int]]
    operators: dict[int, Actor]  # office id -> its operator
    officers: dict[int, Actor]  # agency id -> its officer
    citizen_ids: dict[int, array[int]]  # province id -> user ids
    citizen_names: dict[int, array[int]]  # province id -> name index
    workflow_id: int
    created: dict[str, int]


def _cumulative(weights: Iterable[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return [value / total for value in out]


def _default_citizens(requests: int) -> int:
    return min(9_999_999, max(1000, requests // 5))


def ensure_reference(
    requests: int,
    citizens: int | None,
    offices: int,
    seed: int,
    say: Callable[[str], None],
) -> Reference:
    """Create what the requests need (offices, operators, officers, citizens) where missing and
    load what the generator draws from."""
    from pishkhan.accounts.models import User
    from pishkhan.accounts.roles import Role
    from pishkhan.catalog.models import Agency, Service
    from pishkhan.core.models import County, Province
    from pishkhan.offices.models import Office, OfficeService, OfficeStatus
    from pishkhan.workflow.models import WorkflowDefinition

    created = {"offices": 0, "operators": 0, "officers": 0, "citizens": 0}
    rng = random.Random(seed * 7 + 1)
    provinces = list(Province.objects.order_by("pk"))
    if not provinces:
        raise RuntimeError("no provinces: run `pishkhan demo` first (reference data, catalogue)")
    services = list(
        Service.objects.filter(is_active=True, agency__is_active=True, workflow_key="default")
        .select_related("agency")
        .order_by("pk")
    )
    if not services:
        raise RuntimeError("no active services on the default workflow: run `pishkhan demo`")
    workflow = WorkflowDefinition.objects.current("default")
    population = sum(p.population_2016 for p in provinces)

    with transaction.atomic():
        # Offices: by population, at least one per province, spread over its counties.
        counties: dict[int, list[Any]] = {}
        for county in County.objects.order_by("pk"):
            counties.setdefault(county.province_id, []).append(county)
        existing = set(
            Office.objects.filter(licence_number__contains=f"-{OFFICE_MARK}").values_list(
                "licence_number", flat=True
            )
        )
        new_offices = []
        for province in provinces:
            share = max(1, round(offices * province.population_2016 / population))
            places = counties.get(province.pk) or []
            if not places:
                continue
            for k in range(1, share + 1):
                licence = f"{province.sci_code}-{OFFICE_MARK}{k:03d}"
                if licence in existing:
                    continue
                county = places[(k - 1) % len(places)]
                new_offices.append(
                    Office(
                        licence_number=licence,
                        name=f"دفتر پیشخوان دولت {licence} {county.name_fa} (داده ساختگی)",
                        province=province,
                        county=county,
                        address=f"{county.name_fa}، خیابان نمونه، پلاک {k}",
                        postal_code="1000000000",
                        phone="02100000000",
                        status=OfficeStatus.ACTIVE,
                        opening_hours="شنبه تا چهارشنبه 8 تا 16",
                    )
                )
        Office.objects.bulk_create(new_offices, batch_size=500)
        created["offices"] = len(new_offices)
        generated = list(Office.objects.filter(licence_number__contains=f"-{OFFICE_MARK}"))
        # Every counter service, at 80 % of today's cap (as the demo's offices).
        from pishkhan.catalog.fees import fee_in_force
        from pishkhan.catalog.models import FeeKind

        today = timezone.localdate()
        counter = [s for s in services if s.offered_at_office]
        caps = {s.pk: fee_in_force(s, FeeKind.OFFICE_CAP, today) for s in counter}
        offered = set(
            OfficeService.objects.filter(office__in=generated).values_list(
                "office_id", "service_id"
            )
        )
        OfficeService.objects.bulk_create(
            [
                OfficeService(office=o, service=s, office_fee_rials=caps[s.pk] * 8 // 10)
                for o in generated
                for s in counter
                if (o.pk, s.pk) not in offered
            ],
            batch_size=2000,
        )
        staff = set(
            User.objects.filter(username__startswith="gen-").values_list("username", flat=True)
        )
        operators = [
            User(
                username=f"gen-operator-{o.licence_number}",
                password="!generated",
                role=Role.OFFICE_OPERATOR,
                office=o,
                province_id=o.province_id,
                first_name="اپراتور",
                last_name=f"دفتر {o.licence_number}",
            )
            for o in generated
            if f"gen-operator-{o.licence_number}" not in staff
        ]
        agencies = Agency.objects.filter(pk__in={s.agency_id for s in services}).order_by("pk")
        officers = [
            User(
                username=f"gen-officer-{a.code}",
                password="!generated",
                role=Role.AGENCY_OFFICER,
                agency=a,
                first_name="کارشناس",
                last_name=a.name_fa[:100],
            )
            for a in agencies
            if f"gen-officer-{a.code}" not in staff
        ]
        User.objects.bulk_create(operators + officers, batch_size=1000)
        created["operators"], created["officers"] = len(operators), len(officers)

    wanted = citizens if citizens is not None else _default_citizens(requests)
    created["citizens"] = _ensure_citizens(wanted, provinces, say)

    # --- load what the generator draws from ---
    agency_pace = {a: rng.uniform(0.6, 1.8) for a in sorted({s.agency_id for s in services})}
    infos = []
    order = list(range(len(services)))
    rng.shuffle(order)
    weights = [0.0] * len(services)
    for rank, index in enumerate(order):
        weights[index] = 1.0 / (rank + 1) ** 0.9  # a few services popular, many rare
    for service in services:
        infos.append(
            ServiceInfo(
                id=service.pk,
                agency_id=service.agency_id,
                sla_days=service.sla_working_days,
                at_office=service.offered_at_office,
                online=service.offered_online,
                pace=agency_pace[service.agency_id],
                approve=rng.uniform(0.8, 0.95),
            )
        )
    _fill_samples(infos, {s.pk: s for s in services})
    online = [(info, w) for info, w in zip(infos, weights, strict=True) if info.online]

    active = Office.objects.filter(status=OfficeStatus.ACTIVE)
    operator_of: dict[int, Actor] = {}
    for user in User.objects.filter(
        role__in=[Role.OFFICE_OPERATOR], office__in=active, is_active=True
    ).order_by("-username"):  # gen-operator-... before the demo's own, whichever exists
        if user.office_id is not None:
            operator_of.setdefault(user.office_id, _actor(user))
    office_province = dict(active.values_list("pk", "province_id"))
    offices_by: dict[tuple[int, int], list[int]] = {}
    info_of = {info.id: info for info in infos}
    service_of = {s.pk: s for s in services}
    parts: dict[tuple[int, int], tuple[bytes, int]] = {}
    for office_id, service_id, fee in (
        OfficeService.objects.filter(office_id__in=list(operator_of), service__in=counter)
        .order_by("office_id", "service_id")
        .values_list("office_id", "service_id", "office_fee_rials")
    ):
        offices_by.setdefault((office_province[office_id], service_id), []).append(office_id)
        info = info_of[service_id]
        if (service_id, fee) not in parts:
            parts[(service_id, fee)] = _office_part(info, service_of[service_id], fee)
        info.office_parts[office_id], info.office_totals[office_id] = parts[(service_id, fee)]
    officer_of = {
        user.agency_id: _actor(user)
        for user in User.objects.filter(username__startswith="gen-officer-", is_active=True)
        if user.agency_id is not None
    }
    citizen_ids: dict[int, array[int]] = {p.pk: array("q") for p in provinces}
    citizen_names: dict[int, array[int]] = {p.pk: array("b") for p in provinces}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, province_id, national_code FROM accounts_user WHERE role = 'citizen' "
            "AND national_code >= %s AND national_code < %s ORDER BY national_code",
            [CITIZEN_PREFIX, f"{int(CITIZEN_PREFIX) + 1}"],
        )
        while rows := cursor.fetchmany(50_000):
            for user_id, province_id, code in rows:
                index = int(code[2:9])
                if index > wanted or province_id not in citizen_ids:
                    continue
                citizen_ids[province_id].append(user_id)
                citizen_names[province_id].append(_name_index(index))
    for province in provinces:
        if not citizen_ids[province.pk]:
            raise RuntimeError(f"no generated citizen in province {province.pk}: ask for more")
    return Reference(
        services=infos,
        service_cum=_cumulative(weights),
        online_services=[info for info, _ in online],
        online_cum=_cumulative(w for _, w in online),
        province_ids=[p.pk for p in provinces],
        province_cum=_cumulative(p.population_2016 for p in provinces),
        offices=offices_by,
        operators=operator_of,
        officers=officer_of,
        citizen_ids=citizen_ids,
        citizen_names=citizen_names,
        workflow_id=workflow.pk,
        created=created,
    )


def _actor(user: Any) -> Actor:
    name = user.get_full_name() or user.username
    return Actor(user.pk, str(name)[:150], str(user.role)[:32])


def _name_index(index: int) -> int:
    return (index % len(FIRST_NAMES)) * len(LAST_NAMES) + (index // 10) % len(LAST_NAMES)


def _citizen_name(name_index: int) -> str:
    return (
        f"{FIRST_NAMES[name_index // len(LAST_NAMES)]} {LAST_NAMES[name_index % len(LAST_NAMES)]}"
    )


def _copy_text(value: str) -> bytes:
    """A value in COPY's text format."""
    escaped = (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )
    return escaped.encode()


def _fill_samples(infos: list[ServiceInfo], services: dict[int, Any]) -> None:
    """Each service's form data (as ``submit`` stores it) and its online fee lines."""
    import json

    from pishkhan.accounts.models import User
    from pishkhan.accounts.roles import Role
    from pishkhan.cases.demo import sample_values
    from pishkhan.cases.schema import check_submission
    from pishkhan.cases.services import fee_lines_for
    from pishkhan.catalog.models import Channel

    citizen = User(role=Role.CITIZEN, mobile="09121000001", national_code=citizen_code_of(1))
    today = timezone.localdate()
    for info in infos:
        service = services[info.id]
        values = check_submission(
            service, sample_values(service, citizen), {d.pk for d in service.documents.all()}
        )
        info.form = _copy_text(json.dumps(values, ensure_ascii=False))
        lines = fee_lines_for(service, Channel.ONLINE, None, today)
        info.online_total = sum(line["amount"] for line in lines)
        info.online_part = b"%s\t%s\t%d" % (
            info.form,
            _copy_text(json.dumps(lines, ensure_ascii=False)),
            info.online_total,
        )


def _office_part(info: ServiceInfo, service: Any, fee: int) -> tuple[bytes, int]:
    """The COPY text of (form data, fee lines, total) of a counter filing at this office fee."""
    import json

    from pishkhan.cases.services import fee_lines_for
    from pishkhan.catalog.models import Channel
    from pishkhan.offices.models import Office, OfficeService

    offering = OfficeService(service_id=info.id, office_fee_rials=fee)
    lines = fee_lines_for(
        service, Channel.OFFICE, Office(), timezone.localdate(), offering=offering
    )
    total = sum(line["amount"] for line in lines)
    text = _copy_text(json.dumps(lines, ensure_ascii=False))
    return b"%s\t%s\t%d" % (info.form, text, total), total


def _ensure_citizens(wanted: int, provinces: list[Any], say: Callable[[str], None]) -> int:
    """Citizens 97nnnnnnnC for n = 1..wanted, those missing created in bulk; returns how many
    were created."""
    from pishkhan.accounts.models import User

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT national_code FROM accounts_user WHERE role = 'citizen' "
            "AND national_code >= %s AND national_code < %s",
            [CITIZEN_PREFIX, f"{int(CITIZEN_PREFIX) + 1}"],
        )
        have = {int(row[0][2:9]) for row in cursor.fetchall()}
    missing = [index for index in range(1, wanted + 1) if index not in have]
    if not missing:
        return 0
    cum = _cumulative(p.population_2016 for p in provinces)
    ids = [p.pk for p in provinces]
    now = timezone.now()

    def province_of(index: int) -> int:
        # A fixed pseudo-random draw per citizen, so reruns agree.
        u = ((index * 2_654_435_761) % 4_294_967_296) / 4_294_967_296
        return int(ids[min(len(ids) - 1, bisect.bisect_right(cum, u))])

    if connection.vendor == "postgresql":
        columns, make = _user_row_maker(now)
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            sql = f"COPY accounts_user ({', '.join(columns)}) FROM STDIN"
            with raw.copy(sql) as copy:
                chunk = []
                for index in missing:
                    chunk.append(make(index, province_of(index)))
                    if len(chunk) == 20_000:
                        copy.write(b"".join(chunk))
                        chunk = []
                copy.write(b"".join(chunk))
    else:
        batch = []
        for index in missing:
            code = citizen_code_of(index)
            name = _name_index(index)
            batch.append(
                User(
                    username=code,
                    password="!generated",
                    role="citizen",
                    national_code=code,
                    mobile=f"0936{index:07d}",
                    province_id=province_of(index),
                    first_name=FIRST_NAMES[name // len(LAST_NAMES)],
                    last_name=LAST_NAMES[name % len(LAST_NAMES)],
                    date_joined=now,
                )
            )
        User.objects.bulk_create(batch, batch_size=2000)
    say(f"citizens: {len(missing):,} created (97nnnnnnnC), {len(have):,} reused")
    return len(missing)


def _user_row_maker(now: dt.datetime) -> tuple[list[str], Callable[[int, int], bytes]]:
    """The columns of accounts_user and a maker of one citizen's COPY line."""
    from pishkhan.accounts.models import User

    fixed = {
        "password": "!generated",
        "role": "citizen",
        "date_joined": now.isoformat(),
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
    }
    varying = ("username", "national_code", "mobile", "province_id", "first_name", "last_name")
    columns, template = [], []
    for f in User._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(f.column)
        if f.attname in varying:
            template.append("%(" + f.attname + ")s")
            continue
        value = fixed[f.attname] if f.attname in fixed else f.get_default()
        if value is None:
            text = "\\N"
        elif isinstance(value, bool):
            text = "t" if value else "f"
        else:
            text = str(value)
        template.append(text.replace("%", "%%"))
    line = ("\t".join(template) + "\n").encode()

    def make(index: int, province_id: int) -> bytes:
        code = citizen_code_of(index).encode()
        name = _name_index(index)
        return line % {
            b"username": code,
            b"national_code": code,
            b"mobile": b"0936%07d" % index,
            b"province_id": b"%d" % province_id,
            b"first_name": FIRST_NAMES[name // len(LAST_NAMES)].encode(),
            b"last_name": LAST_NAMES[name % len(LAST_NAMES)].encode(),
        }

    return columns, make


# --- time ---------------------------------------------------------------------------------------


class Calendar:
    """Working days (the project's calendar) and the filing rhythm, by day number since 1970
    (Tehran days)."""

    def __init__(self, first: int, last: int) -> None:
        import jdatetime

        from pishkhan.core.workdays import current_calendar

        calendar = current_calendar()
        self.first = first
        self.working = bytearray()
        self.weight: list[float] = []
        span = max(1, last - first)
        for d in range(first, last + 400):
            day = EPOCH + dt.timedelta(days=d)
            working = calendar.is_working_day(day)
            self.working.append(1 if working else 0)
            weekday = day.weekday()  # Monday 0 ... Saturday 5, Sunday 6
            if working:
                w = {5: 1.15, 6: 1.05, 0: 1.0, 1: 0.97, 2: 0.92}.get(weekday, 0.5)
            elif weekday == 3:  # Thursday: counters half a day
                w = 0.45
            else:  # Friday or a holiday: online only
                w = 0.15
            j = jdatetime.date.fromgregorian(date=day)
            if j.month == 1 and j.day <= 13:
                w *= 0.45  # Nowruz
            elif j.month == 12 and j.day >= 15:
                w *= 1.2  # before the new year
            growth = 0.7 + 0.6 * (d - first) / span
            self.weight.append(w * growth)

    def is_working(self, d: int) -> bool:
        return bool(self.working[d - self.first])


def _hump(hours: Iterable[tuple[float, float]]) -> list[float]:
    """The cumulative distribution over the 288 five-minute slots of a day, from (hour, weight)
    points (linear between them)."""
    points = list(hours)
    weights = []
    for slot in range(288):
        h = slot / 12
        w = 0.0
        for (h0, w0), (h1, w1) in itertools.pairwise(points):
            if h0 <= h < h1:
                w = w0 + (w1 - w0) * (h - h0) / (h1 - h0)
                break
        weights.append(max(w, 0.0))
    return _cumulative(weights)


OFFICE_DAY = _hump(
    [(0, 0), (7.9, 0), (8, 0.5), (9.5, 1.0), (11.5, 1.0), (12.5, 0.6), (13.5, 0.8), (16, 0.3),
     (16.01, 0), (24, 0)]
)  # fmt: skip
OFFICE_HALF_DAY = _hump([(0, 0), (7.9, 0), (8, 0.6), (10, 1.0), (12, 0.4), (12.01, 0), (24, 0)])
ONLINE_DAY = _hump(
    [(0, 0.35), (2, 0.12), (6, 0.05), (8, 0.5), (11, 1.0), (14, 0.8), (17, 0.6), (21, 0.95),
     (23.99, 0.6), (24, 0.35)]
)  # fmt: skip


# --- the log-normal waits -----------------------------------------------------------------------


def _lognormal_table(sigma: float, size: int = 4096) -> list[float]:
    """exp(sigma * z) at the midpoints of ``size`` equal-probability slices of the normal law."""
    from statistics import NormalDist

    normal = NormalDist()
    return [math.exp(sigma * normal.inv_cdf((k + 0.5) / size)) for k in range(size)]


# --- the generator ------------------------------------------------------------------------------

REQUEST_COLUMNS = (
    "id, tracking_code, channel, status, form_data, fee_lines, fee_total_rials, submitted_at, "
    "sla_due_on, decided_at, idempotency_key, version, updated_at, agency_id, citizen_id, "
    "office_id, operator_id, province_id, service_id, workflow_id"
)
EVENT_COLUMNS = (
    "subject_type, subject_id, sequence, actor_id, actor_name, actor_role, action, from_state, "
    "to_state, comment, data, created_at, prev_hash, hash"
)
_STEPS = {
    # action: (from, to)
    "submit": ("", "submitted"),
    "cancel": ("submitted", "cancelled"),
    "start_review": ("submitted", "in_review"),
    "start_review_again": ("resubmitted", "in_review"),
    "ask_info": ("in_review", "needs_info"),
    "resubmit": ("needs_info", "resubmitted"),
    "approve": ("in_review", "approved"),
    "reject": ("in_review", "rejected"),
    "deliver": ("approved", "delivered"),
}
# Events that carry a comment, one kind per comment.
_COMMENTED = {
    **{f"ask_info:{k}": ("ask_info", text) for k, text in enumerate(ASK_COMMENTS)},
    **{f"reject:{k}": ("reject", text) for k, text in enumerate(REJECT_COMMENTS)},
}
ASK_KINDS = tuple(f"ask_info:{k}" for k in range(len(ASK_COMMENTS)))
REJECT_KINDS = tuple(f"reject:{k}" for k in range(len(REJECT_COMMENTS)))
ASK_COUNT, REJECT_COUNT = len(ASK_KINDS), len(REJECT_KINDS)


@dataclass
class Result:
    requests: int = 0
    events: int = 0
    seconds: float = 0.0  # writing the requests and events (reference data and rollups apart)
    reference_seconds: float = 0.0
    index_seconds: float = 0.0
    rollup_seconds: float = 0.0
    rollup_method: str = ""
    first_id: int = 0
    last_id: int = 0
    created: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class _Event:
    """One kind of event (action, actor, comment) as two byte formats: its canonical JSON (what
    its hash is over, as ``core.audit.canonical_json`` makes it: keys sorted, no spaces, UTF-8)
    and its COPY line. Only the per-event values are left to fill in: (created_at, data,
    prev_hash, sequence, subject_id) for the JSON, (subject_id, sequence, data, created_at,
    prev_hash, hash) for the line; a citizen's events take the citizen's id first in both."""

    __slots__ = ("citizen", "copy", "json", "to_state")

    def __init__(self, action: str, actor: Actor, comment: str) -> None:
        import json

        def text(value: str) -> str:
            return json.dumps(value, ensure_ascii=False).replace("%", "%%")

        def copy(value: str) -> bytes:
            return _copy_text(value).replace(b"%", b"%%")

        real_action = "start_review" if action == "start_review_again" else action
        from_state, to_state = _STEPS[action]
        self.citizen = actor.id < 0
        self.to_state = to_state.encode()
        actor_id = "%d" if self.citizen else str(actor.id)
        # Keys in sorted order: action, actor_id, actor_name, actor_role, comment, created_at,
        # data, from_state, prev_hash, sequence, subject_id, subject_type, to_state.
        self.json = (
            f'{{"action":{text(real_action)},"actor_id":{actor_id},'
            f'"actor_name":{text(actor.name)},"actor_role":{text(actor.role)},'
            f'"comment":{text(comment)},"created_at":"%s","data":%s,'
            f'"from_state":{text(from_state)},"prev_hash":"%s","sequence":%d,'
            f'"subject_id":"%s","subject_type":{text(SUBJECT)},"to_state":{text(to_state)}}}'
        ).encode()
        self.copy = b"\t".join(
            [
                copy(SUBJECT),
                b"%s",
                b"%d",
                actor_id.encode(),
                copy(actor.name),
                copy(actor.role),
                copy(real_action),
                copy(from_state),
                copy(to_state),
                copy(comment),
                b"%s\t%s\t%s\t%s\n",
            ]
        )


def generate(
    requests: int,
    *,
    seed: int = 1405,
    years: float = 3.0,
    citizens: int | None = None,
    offices: int = 300,
    now: dt.datetime | None = None,
    drop_indexes: str = "auto",
    rollups: str = "auto",
    chunk: int = 25_000,
    say: Callable[[str], None] = print,
) -> Result:
    """Generate ``requests`` requests with their audit events; then make the rollups current
    (``rollups``: "sql" = ``rollups.rebuild_sql`` on PostgreSQL, "python" = ``rollups.rebuild``,
    "none"; "auto" = sql on PostgreSQL, python elsewhere)."""
    result = Result()
    started = time.monotonic()
    reference = ensure_reference(requests, citizens, offices, seed, say)
    result.created = reference.created
    result.reference_seconds = time.monotonic() - started
    now = now or timezone.now()
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgres:
            _lock_for_bulk()
        dropped: list[str] = []
        if postgres and (drop_indexes == "yes" or (drop_indexes == "auto" and requests >= 200_000)):
            dropped = _drop_secondary(say)
        writer: _Writer = _CopyWriter() if postgres else _SqliteWriter()
        begun = time.monotonic()
        try:
            _produce(reference, requests, seed, years, now, chunk, writer, result, say)
        finally:
            writer.close()
        result.seconds = time.monotonic() - begun
        say(
            f"written: {result.requests:,} requests and {result.events:,} events in "
            f"{result.seconds:.1f} s ({result.requests_per_s:,.0f} requests/s, "
            f"{result.events_per_s:,.0f} events/s)"
        )
        if dropped:
            begun = time.monotonic()
            _restore(dropped, say)
            result.index_seconds = time.monotonic() - begun
        _reset_sequences()
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_servicerequest")
            cursor.execute("ANALYZE core_auditevent")
    method = rollups if rollups != "auto" else ("sql" if postgres else "python")
    if method != "none":
        from . import rollups as rollup_module

        begun = time.monotonic()
        rebuild = rollup_module.rebuild_sql if method == "sql" else rollup_module.rebuild
        count = rebuild()
        result.rollup_seconds = time.monotonic() - begun
        result.rollup_method = method
        say(
            f"rollups: {count:,} state changes, rebuilt ({method}) in {result.rollup_seconds:.1f} s"
        )
    return result


def _lock_for_bulk() -> None:
    """No submission meanwhile (the ids are handed out here): readers go on."""
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE cases_servicerequest IN EXCLUSIVE MODE")
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")


_BULK_TABLES = ("cases_servicerequest", "core_auditevent")


def _drop_secondary(say: Callable[[str], None]) -> list[str]:
    """Drop the secondary indexes, unique and foreign-key constraints of the two tables (in this
    transaction); returns the statements that make them again."""
    restore: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
            FROM pg_constraint c
            WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('u', 'f')
              AND NOT EXISTS (SELECT 1 FROM pg_constraint r
                              WHERE r.contype = 'f' AND r.conindid = c.conindid AND c.contype = 'u')
            ORDER BY c.contype DESC
            """,
            [list(_BULK_TABLES)],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [list(_BULK_TABLES)],
        )
        indexes = cursor.fetchall()
        quote = connection.ops.quote_name
        for table, name, _definition, _kind in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        # Indexes first (the unique ones check the data), foreign keys last.
        restore += [definition for _name, definition in indexes]
        restore += [
            f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}"
            for table, name, definition, kind in constraints
            if kind == "u"
        ]
        restore += [
            f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}"
            for table, name, definition, kind in constraints
            if kind == "f"
        ]
    say(f"bulk load: {len(indexes)} indexes and {len(constraints)} constraints set aside")
    return restore


def _restore(statements: list[str], say: Callable[[str], None]) -> None:
    begun = time.monotonic()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    say(f"bulk load: {len(statements)} indexes and constraints made again in "
        f"{time.monotonic() - begun:.1f} s")  # fmt: skip


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT follows the largest id by itself
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('cases_servicerequest', 'id'), "
            "(SELECT max(id) FROM cases_servicerequest))"
        )


def _next_numbers() -> tuple[int, int]:
    """The first free request id and the first free generated number n."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM cases_servicerequest")
        first_id = int(cursor.fetchone()[0]) + 1
        cursor.execute(
            "SELECT max(idempotency_key) FROM cases_servicerequest "
            "WHERE idempotency_key >= %s AND idempotency_key < %s",
            [KEY_PREFIX, KEY_PREFIX[:-1] + chr(ord(KEY_PREFIX[-1]) + 1)],
        )
        last = cursor.fetchone()[0]
    return first_id, (int(last[len(KEY_PREFIX) :]) + 1 if last else 1)


def _existing_codes() -> set[int]:
    """Tracking codes not made by this generator (theirs never repeat), to step around."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tracking_code FROM cases_servicerequest WHERE idempotency_key IS NULL "
            "OR idempotency_key < %s OR idempotency_key >= %s",
            [KEY_PREFIX, KEY_PREFIX[:-1] + chr(ord(KEY_PREFIX[-1]) + 1)],
        )
        return {int(row[0]) for row in cursor.fetchall() if row[0].isdigit()}


def _produce(
    ref: Reference,
    requests: int,
    seed: int,
    years: float,
    now: dt.datetime,
    chunk: int,
    writer: _Writer,
    result: Result,
    say: Callable[[str], None],
) -> None:
    rng = random.Random(seed)
    r = rng.random
    now_ms = int(now.timestamp() * 1000)
    last_day = (now_ms + TEHRAN_OFFSET_MS) // DAY_MS
    first_day = last_day - max(1, int(years * 365.25)) + 1
    cal = Calendar(first_day, last_day)
    working = cal.working
    w0 = cal.first

    # How many requests each day: N spread by the days' weights, remainders by lot.
    days = list(range(first_day, last_day + 1))
    weights = [cal.weight[d - w0] for d in days]
    if last_day == days[-1]:  # today: only the part of the day gone by
        gone = ((now_ms + TEHRAN_OFFSET_MS) % DAY_MS) / DAY_MS
        weights[-1] *= gone
    total = sum(weights)
    exact = [requests * w / total for w in weights]
    counts = [int(x) for x in exact]
    short = requests - sum(counts)
    by_fraction = sorted(range(len(days)), key=lambda i: (exact[i] - counts[i], r()), reverse=True)
    for i in by_fraction[:short]:
        counts[i] += 1

    first_id, n = _next_numbers()
    taken = _existing_codes()
    request_id = first_id
    result.first_id = first_id

    lognormal = _lognormal_table(1.0)
    lognormal_long = _lognormal_table(1.3)
    size = len(lognormal) - 1
    services, service_cum = ref.services, ref.service_cum
    online_services, online_cum = ref.online_services, ref.online_cum
    provinces, province_cum = ref.province_ids, ref.province_cum
    nprov = len(provinces) - 1
    offices, citizen_ids, citizen_names = ref.offices, ref.citizen_ids, ref.citizen_names
    province_pace = {p: 0.8 + 0.5 * r() for p in provinces}
    bisect_right = bisect.bisect_right

    # The formats of each kind of event, per actor: action (with its comment) -> _Event.
    actor_kinds: dict[int, dict[str, _Event]] = {}

    def kinds_of(actor: Actor) -> dict[str, _Event]:
        found = actor_kinds.get(actor.id)
        if found is None:
            found = actor_kinds[actor.id] = {
                action: _Event(action, actor, "") for action in _STEPS if action != "ask_info"
            }
            for key, (action, comment) in _COMMENTED.items():
                found[key] = _Event(action, actor, comment)
        return found

    workflow_id = ref.workflow_id
    citizen_actors: dict[int, Actor] = {}

    def citizen_actor(name_index: int) -> Actor:
        # Events name the actor by id and name; their formats are cached per name, not per
        # citizen (millions of them): the citizen's id is filled in per event.
        actor = citizen_actors.get(name_index)
        if actor is None:
            actor = citizen_actors[name_index] = Actor(-1 - name_index, _citizen_name(name_index),
                                                       "citizen")  # fmt: skip
        return actor

    # Times as text: 'YYYY-MM-DDTHH:MM:SS.mmm000+00:00' from milliseconds, by tables.
    day_text: dict[int, bytes] = {}
    hms = [b"%02d:%02d:%02d." % (s // 3600, s // 60 % 60, s % 60) for s in range(86400)]
    msx = [b"%03d000+00:00" % m for m in range(1000)]

    def iso(t: int) -> bytes:
        d, rest = divmod(t, DAY_MS)
        text = day_text.get(d)
        if text is None:
            text = day_text[d] = (EPOCH + dt.timedelta(days=d)).isoformat().encode() + b"T"
        s, m = divmod(rest, 1000)
        return text + hms[s] + msx[m]

    sla_due: dict[tuple[int, int], bytes] = {}

    def due(d: int, sla: int) -> bytes:
        """The SLA's due date: ``core.workdays.add_working_days`` over the same calendar."""
        found = sla_due.get((d, sla))
        if found is None:
            day, left = d, sla
            if left == 0:
                while not working[day - w0]:
                    day += 1
            while left:
                day += 1
                if working[day - w0]:
                    left -= 1
            found = sla_due[(d, sla)] = (EPOCH + dt.timedelta(days=day)).isoformat().encode()
        return found

    def officer_time(t: int) -> int:
        """The first moment at or after t in an officer's working hours (8:00-15:00, working
        days), spread over the morning when moved."""
        if t > now_ms:
            return t  # after now: not recorded
        lt = t + TEHRAN_OFFSET_MS
        d, sod = divmod(lt, DAY_MS)
        if sod < 8 * HOUR_MS:
            sod = -1
        elif sod >= 15 * HOUR_MS:
            d += 1
            sod = -1
        while not working[d - w0]:
            d += 1
            sod = -1
        if sod < 0:
            sod = 8 * HOUR_MS + int(r() * 4 * HOUR_MS)
        return d * DAY_MS + sod - TEHRAN_OFFSET_MS

    def counter_time(t: int) -> int:
        """The same for an office's counter (8:00-16:00)."""
        if t > now_ms:
            return t  # after now: not recorded
        lt = t + TEHRAN_OFFSET_MS
        d, sod = divmod(lt, DAY_MS)
        if sod < 8 * HOUR_MS:
            sod = -1
        elif sod >= 16 * HOUR_MS:
            d += 1
            sod = -1
        while not working[d - w0]:
            d += 1
            sod = -1
        if sod < 0:
            sod = 8 * HOUR_MS + int(r() * 6 * HOUR_MS)
        return d * DAY_MS + sod - TEHRAN_OFFSET_MS

    buckets: dict[int, list[tuple[int, bytes]]] = {}
    request_lines: list[bytes] = []
    event_lines: list[bytes] = []
    by_status: dict[bytes, int] = {}
    events_total = 0
    made = 0
    report_every = max(requests // 10, 1)
    next_report = report_every
    clock = time.monotonic()
    sid_b = b"%d"
    hexed = hexlify
    sha = _sha256

    for day_index, d in enumerate(days):
        count = counts[day_index]
        if count:
            open_day = bool(working[d - w0])
            weekday = (d + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)
            counter_cdf = OFFICE_DAY if open_day else (OFFICE_HALF_DAY if weekday == 3 else None)
            base = d * DAY_MS - TEHRAN_OFFSET_MS
            filings = []
            for _ in range(count):
                if open_day:
                    service = services[bisect_right(service_cum, r())]
                    office_channel = service.at_office and (not service.online or r() < 0.65)
                elif counter_cdf is not None:  # Thursday: counters half a day
                    service = services[bisect_right(service_cum, r())]
                    office_channel = service.at_office and (not service.online or r() < 0.5)
                else:  # closed: online only
                    service = online_services[bisect_right(online_cum, r())]
                    office_channel = False
                cdf = counter_cdf if office_channel else ONLINE_DAY
                slot = bisect_right(cdf, r())  # type: ignore[arg-type]
                t = base + slot * 300_000 + int(r() * 300_000)
                if t > now_ms:
                    t = now_ms - int(r() * 3_600_000)
                filings.append((t, office_channel, service))
            filings.sort(key=_first)
            for t0, office_channel, service in filings:
                # --- where, who
                province = provinces[min(nprov, bisect_right(province_cum, r()))]
                office_id = 0
                if office_channel:
                    choices = offices.get((province, service.id))
                    for _ in range(50):  # no office of this province offers it: another's
                        if choices:
                            break
                        province = provinces[min(nprov, bisect_right(province_cum, r()))]
                        choices = offices.get((province, service.id))
                    if choices:
                        office_id = choices[int(r() * len(choices))]
                    else:
                        office_channel = False
                if not office_channel and not service.online:
                    continue  # no office anywhere offers it (not so in the demo's data)
                home = province if (not office_channel or r() < 0.9) else (
                    provinces[min(nprov, bisect_right(province_cum, r()))])  # fmt: skip
                pool = citizen_ids[home]
                pick = int(r() * len(pool))
                citizen_id = pool[pick]
                if office_channel:
                    filer = ref.operators[office_id]
                    part = service.office_parts[office_id]
                    fee_total = service.office_totals[office_id]
                else:
                    province = home
                    filer = citizen_actor(citizen_names[home][pick])
                    part = service.online_part
                    fee_total = service.online_total
                officer = kinds_of(ref.officers[service.agency_id])
                filing = kinds_of(filer)
                pace = service.pace * province_pace[province]
                sla_ms = service.sla_days * DAY_MS

                # --- its path through the default workflow, up to now: (event kind, time)
                steps: list[tuple[_Event, int]] = [(filing["submit"], t0)]
                t = t0
                decided_ms = 0
                if r() < 0.03:
                    t += int(3 * HOUR_MS * lognormal[int(r() * size)]) + 60_000
                    if office_channel:
                        t = counter_time(t)
                    if t <= now_ms:
                        steps.append((filing["cancel"], t))
                else:
                    review = officer["start_review"]
                    asked = 0.14
                    while True:
                        wait = 0.22 * sla_ms * pace * lognormal_long[int(r() * size)]
                        t = officer_time(t + int(wait) + 60_000)
                        if t > now_ms:
                            break
                        steps.append((review, t))
                        wait = 0.05 * sla_ms * pace * lognormal[int(r() * size)]
                        t = officer_time(t + int(wait) + 120_000)
                        if t > now_ms:
                            break
                        if r() < asked:
                            steps.append((officer[ASK_KINDS[int(r() * ASK_COUNT)]], t))
                            if r() < 0.08:
                                break  # never answered
                            t += int(2 * DAY_MS * lognormal_long[int(r() * size)]) + 600_000
                            if office_channel:
                                t = counter_time(t)
                            if t > now_ms:
                                break
                            steps.append((filing["resubmit"], t))
                            review, asked = officer["start_review_again"], 0.05
                            continue
                        decided_ms = t
                        if r() < service.approve:
                            steps.append((officer["approve"], t))
                            if r() < 0.04:
                                break  # never collected
                            t += int(1.5 * DAY_MS * lognormal[int(r() * size)]) + 600_000
                            if office_channel:
                                t = counter_time(t)
                                if t <= now_ms:
                                    steps.append((filing["deliver"], t))
                            else:
                                t = officer_time(t)
                                if t <= now_ms:
                                    steps.append((officer["deliver"], t))
                        else:
                            steps.append((officer[REJECT_KINDS[int(r() * REJECT_COUNT)]], t))
                        break

                # --- the request row
                code = tracking_code_of(n)
                while code in taken:
                    n += 1
                    code = tracking_code_of(n)
                rid = request_id
                request_id += 1
                sid = sid_b % rid
                stamps = [iso(at) for _ev, at in steps]
                last = steps[-1][0]
                status = last.to_state
                by_status[status] = by_status.get(status, 0) + 1
                office_text = b"%d" % office_id if office_channel else b"\\N"
                request_lines.append(
                    b"%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\tgen-%012d\t%d\t%s\t%d\t%d\t%s\t%s\t%d\t%d\t%d\n"
                    % (
                        sid,
                        code,
                        b"office" if office_channel else b"online",
                        status,
                        part,
                        stamps[0],
                        due((t0 + TEHRAN_OFFSET_MS) // DAY_MS, service.sla_days),
                        iso(decided_ms) if decided_ms and decided_ms <= now_ms else b"\\N",
                        n,
                        len(steps),
                        stamps[-1],
                        service.agency_id,
                        citizen_id,
                        office_text,
                        b"%d" % filer.id if office_channel else b"\\N",
                        province,
                        service.id,
                        workflow_id,
                    )
                )
                n += 1

                # --- its events, hash-chained
                prev = b""
                data = b'{"channel":"%s","fee_total":%d,"office":%s,"tracking_code":"%d"}' % (
                    b"office" if office_channel else b"online",
                    fee_total,
                    office_text if office_channel else b"null",
                    code,
                )
                for sequence, (ev, at) in enumerate(steps, 1):
                    stamp = stamps[sequence - 1]
                    if ev.citizen:
                        payload = ev.json % (citizen_id, stamp, data, prev, sequence, sid)
                        digest = hexed(sha(payload).digest())
                        line = ev.copy % (sid, sequence, citizen_id, data, stamp, prev, digest)
                    else:
                        digest = hexed(sha(ev.json % (stamp, data, prev, sequence, sid)).digest())
                        line = ev.copy % (sid, sequence, data, stamp, prev, digest)
                    bucket = (at + TEHRAN_OFFSET_MS) // DAY_MS
                    found = buckets.get(bucket)
                    if found is None:
                        found = buckets[bucket] = []
                    found.append((at, line))
                    prev = digest
                    data = b"{}"
                events_total += len(steps)
                made += 1
        # The day is over: its events (and earlier ones) can go, in time order.
        for key in sorted(k for k in buckets if k <= d):
            lines = buckets.pop(key)
            lines.sort(key=_first)
            event_lines.extend(line for _at, line in lines)
        if len(request_lines) >= chunk or (request_lines and day_index == len(days) - 1):
            writer.send(b"".join(request_lines), b"".join(event_lines))
            request_lines, event_lines = [], []
        if made >= next_report:
            elapsed = time.monotonic() - clock
            say(f"  {made:,} requests, {events_total:,} events, {made / elapsed:,.0f} requests/s")
            next_report += report_every
    for key in sorted(buckets):  # pragma: no cover (every event is at or before now)
        lines = buckets.pop(key)
        lines.sort(key=_first)
        event_lines.extend(line for _at, line in lines)
    if request_lines or event_lines:
        writer.send(b"".join(request_lines), b"".join(event_lines))
    result.requests = made
    result.events = events_total
    result.last_id = request_id - 1
    result.by_status = {k.decode(): v for k, v in sorted(by_status.items())}


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]


# --- writers ------------------------------------------------------------------------------------


class _Writer:
    def send(self, requests: bytes, events: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _CopyWriter(_Writer):
    """COPY into PostgreSQL from a thread of its own, on the connection (and in the transaction)
    of the caller, while the caller makes the next chunk."""

    def __init__(self) -> None:
        connection.ensure_connection()
        self.raw = connection.connection
        self.queue: queue.Queue[tuple[bytes, bytes] | None] = queue.Queue(maxsize=3)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="generate-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            with self.raw.cursor() as cursor:
                while (item := self.queue.get()) is not None:
                    requests, events = item
                    if requests:
                        copy_sql = f"COPY cases_servicerequest ({REQUEST_COLUMNS}) FROM STDIN"
                        with cursor.copy(copy_sql) as copy:
                            copy.write(requests)
                    if events:
                        with cursor.copy(
                            f"COPY core_auditevent ({EVENT_COLUMNS}) FROM STDIN"
                        ) as copy:
                            copy.write(events)
        except BaseException as exc:  # handed to the caller
            self.error = exc
            while self.queue.get() is not None:  # let the producer finish
                pass

    def send(self, requests: bytes, events: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((requests, events))

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


_DATETIMES_REQUEST = (7, 9, 12)  # submitted_at, decided_at, updated_at
_DATETIMES_EVENT = (11,)


class _SqliteWriter(_Writer):
    """The same rows through executemany (SQLite: small runs)."""

    def send(self, requests: bytes, events: bytes) -> None:
        with connection.cursor() as cursor:
            for table, columns, data, times in (
                ("cases_servicerequest", REQUEST_COLUMNS, requests, _DATETIMES_REQUEST),
                ("core_auditevent", EVENT_COLUMNS, events, _DATETIMES_EVENT),
            ):
                rows = [_parse_copy_line(line, times) for line in data.split(b"\n") if line]
                if rows:
                    marks = ", ".join(["%s"] * len(rows[0]))
                    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)

    def close(self) -> None:
        pass


def _parse_copy_line(line: bytes, times: tuple[int, ...]) -> list[str | None]:
    values: list[str | None] = []
    for index, raw in enumerate(line.split(b"\t")):
        if raw == b"\\N":
            values.append(None)
            continue
        text = raw.decode()
        if "\\" in text:
            text = (
                text.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")
                .replace("\\\\", "\\")
            )  # fmt: skip
        if index in times:  # as Django stores datetimes in SQLite: naive UTC, microseconds
            text = text[:10] + " " + text[11:26]
        values.append(text)
    return values
