"""Keeping the rollups: one rule (``Tally.add``) turns a state change into cell increments, used
both by ``fold`` (pending changes, as they happen) and by ``rebuild`` (the whole event log), so
the two cannot drift apart; a test runs thousands of random operations and compares them.
docs/insights.md
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache, partial
from operator import itemgetter
from typing import Any

import jdatetime
from django.db import connection, transaction

from pishkhan.core.jalali import TEHRAN

from .models import (
    BUCKET_FIELDS,
    BUCKET_HOURS,
    Cell,
    DecisionDay,
    DecisionMonth,
    DecisionYear,
    NationalDecisionDay,
    NationalDecisionMonth,
    NationalDecisionYear,
    NationalStatusDay,
    NationalStatusMonth,
    NationalStatusYear,
    NationalStepMonth,
    NationalStepYear,
    OfficeDecisionMonth,
    OfficeDecisionYear,
    OfficeStatusMonth,
    OfficeStatusYear,
    PendingChange,
    ProvinceDecidedDay,
    ProvinceDecidedMonth,
    ProvinceDecidedYear,
    ProvinceFiledDay,
    ProvinceFiledMonth,
    ProvinceFiledYear,
    StatusDay,
    StatusMonth,
    StatusYear,
    StepMonth,
    StepYear,
)

# A request's first arrival in one of these is its decision (turnaround ends, SLA judged).
DECISIONS = frozenset({"approved", "rejected", "issued"})
SUBJECT = "service_request"
FOLD_BATCH = 5000
ROLLUPS: tuple[type[Cell], ...] = (
    StatusDay,
    StatusMonth,
    StatusYear,
    NationalStatusDay,
    NationalStatusMonth,
    NationalStatusYear,
    ProvinceFiledDay,
    ProvinceFiledMonth,
    ProvinceFiledYear,
    OfficeStatusMonth,
    OfficeStatusYear,
    DecisionDay,
    DecisionMonth,
    DecisionYear,
    NationalDecisionDay,
    NationalDecisionMonth,
    NationalDecisionYear,
    ProvinceDecidedDay,
    ProvinceDecidedMonth,
    ProvinceDecidedYear,
    OfficeDecisionMonth,
    OfficeDecisionYear,
    StepMonth,
    StepYear,
    NationalStepMonth,
    NationalStepYear,
)
# The rollups of each family: one change adds to a cell of each (the office ones for counter
# requests only).
FAMILIES: dict[str, tuple[type[Cell], ...]] = {
    family: tuple(model for model in ROLLUPS if family == model.FAMILY)
    for family in ("status", "office_status", "decision", "office_decision", "step")
}
_BUCKET_BOUNDS = tuple(hours * 3600 for hours in BUCKET_HOURS)


@dataclass(frozen=True)
class Change:
    """What a cell needs to know of one state change (a PendingChange, or an event replayed)."""

    at: dt.datetime
    since: dt.datetime | None
    from_state: str
    to_state: str
    submitted_at: dt.datetime
    sla_due_on: dt.date
    province_id: int
    agency_id: int
    service_id: int
    channel: str
    office_id: int | None


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(TEHRAN).date()


@lru_cache(maxsize=4096)
def jalali_month(day: dt.date) -> dt.date:
    """The first day (Gregorian date) of the Jalali month ``day`` falls in."""
    j = jdatetime.date.fromgregorian(date=day)
    first: dt.date = jdatetime.date(j.year, j.month, 1).togregorian()
    return first


@lru_cache(maxsize=4096)
def jalali_year(day: dt.date) -> dt.date:
    """The first day (Gregorian date: Nowruz) of the Jalali year ``day`` falls in."""
    j = jdatetime.date.fromgregorian(date=day)
    first: dt.date = jdatetime.date(j.year, 1, 1).togregorian()
    return first


def bucket(seconds: int) -> int:
    """The histogram bucket of a duration (bounds inclusive: exactly 1 hour is bucket 0)."""
    return bisect.bisect_left(_BUCKET_BOUNDS, seconds)


def _zeros(width: int) -> list[int]:
    return [0] * width


# What ``Tally.add`` knows of a change, in this order; each rollup's key picks its columns from it
# (its grain's time, and "status", "decision" or "state" are the state the cell counts).
_FACTS = ("day", "month", "year", "province_id", "agency_id", "service_id", "channel", "office_id")
_STATE = len(_FACTS)


@dataclass(frozen=True)
class _Layout:
    """Where a rollup's key comes from and where its values go (positions in ``fields_of``)."""

    key: Any  # operator.itemgetter over the facts: the cell's key as a tuple
    count: int
    total: int
    first_bucket: int
    breached: int | None


@lru_cache(maxsize=64)
def _layout(model: type[Cell]) -> _Layout:
    positions = [_FACTS.index(name) if name in _FACTS else _STATE for name in model.KEY]
    fields = fields_of(model)
    getter = itemgetter(*positions)  # every key has several columns: a tuple
    if "count" not in fields:
        return _Layout(getter, fields.index("requests"), -1, -1, None)
    return _Layout(
        getter,
        fields.index("count"),
        fields.index("total_seconds"),
        fields.index(BUCKET_FIELDS[0]),
        fields.index("breached") if "breached" in fields else None,
    )


class Tally:
    """Cell increments, per rollup and key: numbers to add, in ``fields`` order."""

    def __init__(self) -> None:
        self.cells: dict[type[Cell], dict[tuple[object, ...], list[int]]] = {
            model: defaultdict(partial(_zeros, len(fields_of(model)))) for model in ROLLUPS
        }

    def _count(self, models: tuple[type[Cell], ...], facts: tuple[Any, ...], step: int) -> None:
        for model in models:
            layout = _layout(model)
            self.cells[model][layout.key(facts)][layout.count] += step

    def _histogram(
        self, models: tuple[type[Cell], ...], facts: tuple[Any, ...], seconds: int, late: int = 0
    ) -> None:
        index = bucket(seconds)
        for model in models:
            layout = _layout(model)
            row = self.cells[model][layout.key(facts)]
            row[layout.count] += 1
            row[layout.total] += seconds
            row[layout.first_bucket + index] += 1
            if layout.breached is not None:
                row[layout.breached] += late

    def add(self, change: Change) -> None:
        """A change's increments to every rollup: its status moves on the filing day (month,
        year) of the request, the time it spent in the state it leaves and its decision on the
        day (month, year) of the change — in every grain alike, so the grains cannot disagree."""
        filed = local_day(change.submitted_at)
        where = (
            change.province_id,
            change.agency_id,
            change.service_id,
            change.channel,
            change.office_id,
        )
        filed_at = (filed, jalali_month(filed), jalali_year(filed), *where)
        office = change.office_id is not None
        moves = [(change.to_state, 1)]
        if change.from_state:
            moves.append((change.from_state, -1))
        for state, step in moves:
            facts = (*filed_at, state)
            self._count(FAMILIES["status"], facts, step)
            if office:
                self._count(FAMILIES["office_status"], facts, step)
        if not change.from_state:
            return
        day = local_day(change.at)
        at = (day, jalali_month(day), jalali_year(day), *where)
        if change.since is not None:
            spent = max(0, int((change.at - change.since).total_seconds()))
            self._histogram(FAMILIES["step"], (*at, change.from_state), spent)
        if change.to_state in DECISIONS and change.from_state not in DECISIONS:
            turnaround = max(0, int((change.at - change.submitted_at).total_seconds()))
            late = int(day > change.sla_due_on)
            facts = (*at, change.to_state)
            self._histogram(FAMILIES["decision"], facts, turnaround, late)
            if office:
                self._histogram(FAMILIES["office_decision"], facts, turnaround, late)


@lru_cache(maxsize=16)
def fields_of(model: type[Cell]) -> tuple[str, ...]:
    """The additive columns of a rollup, in a fixed order."""
    key = set(model.KEY)
    return tuple(
        field.column
        for field in model._meta.concrete_fields
        if not field.primary_key and field.column not in key
    )


def _column(model: type[Cell], name: str) -> str:
    # Every key field is a plain concrete column whose name is its column's.
    return name


def write(tally: Tally) -> None:
    """Add a tally's increments to the cells (one statement per batch of cells and rollup):
    ``INSERT … ON CONFLICT (key) DO UPDATE SET n = cell.n + excluded.n`` — PostgreSQL and
    SQLite both speak it."""
    quote = connection.ops.quote_name
    for model, cells in tally.cells.items():
        rows: list[tuple[Any, ...]] = [
            (*key, *values) for key, values in cells.items() if any(values)
        ]
        if not rows:
            continue
        table = quote(model._meta.db_table)
        key_columns = [_column(model, name) for name in model.KEY]
        value_columns = list(fields_of(model))
        columns = ", ".join(quote(c) for c in key_columns + value_columns)
        updates = ", ".join(
            f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in value_columns
        )
        conflict = ", ".join(quote(c) for c in key_columns)
        placeholders = "(" + ", ".join(["%s"] * (len(key_columns) + len(value_columns))) + ")"
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 500):
                chunk = rows[start : start + 500]
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES "
                    + ", ".join([placeholders] * len(chunk))
                    + f" ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
                    [value for row in chunk for value in row],
                )


# --- folding pending changes --------------------------------------------------------------------


def _change_of(pending: PendingChange) -> Change:
    return Change(
        at=pending.at,
        since=pending.since,
        from_state=pending.from_state,
        to_state=pending.to_state,
        submitted_at=pending.submitted_at,
        sla_due_on=pending.sla_due_on,
        province_id=pending.province_id,
        agency_id=pending.agency_id,
        service_id=pending.service_id,
        channel=pending.channel,
        office_id=pending.office_id,
    )


def fold(limit: int = FOLD_BATCH) -> int:
    """Move up to ``limit`` pending changes into the cells, in one transaction: their increments
    are written and the pending rows deleted together. Concurrent folds take different rows
    (``SKIP LOCKED`` on PostgreSQL; SQLite has one writer). Returns how many were folded."""
    with transaction.atomic():
        query = PendingChange.objects.order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            query = query.select_for_update(skip_locked=True)
        pending = list(query[:limit])
        if not pending:
            return 0
        tally = Tally()
        for row in pending:
            tally.add(_change_of(row))
        write(tally)
        PendingChange.objects.filter(pk__in=[row.pk for row in pending]).delete()
    return len(pending)


def fold_all(batch: int = FOLD_BATCH) -> int:
    total = 0
    while folded := fold(batch):
        total += folded
    return total


# --- rebuilding from the event log --------------------------------------------------------------


def replayed_changes(chunk: int = 20000) -> Iterator[Change]:
    """Every state change of every request, from the audit log (its state-changing events, in
    each request's order), with the request's fixed dimensions."""
    quote = connection.ops.quote_name
    from pishkhan.cases.models import ServiceRequest
    from pishkhan.core.models import AuditEvent
    from pishkhan.offices.models import Office  # noqa: F401 (the office id is on the request)

    events = quote(AuditEvent._meta.db_table)
    requests = quote(ServiceRequest._meta.db_table)
    sql = (
        f"SELECT e.created_at, e.from_state, e.to_state, r.submitted_at, r.sla_due_on, "
        f"r.province_id, r.agency_id, r.service_id, r.channel, r.office_id, r.id "
        f"FROM {events} e JOIN {requests} r ON r.id = CAST(e.subject_id AS INTEGER) "
        f"WHERE e.subject_type = %s AND e.to_state <> '' "
        f"ORDER BY e.subject_id, e.sequence"
    )
    previous_request: int | None = None
    since: dt.datetime | None = None
    with connection.cursor() as cursor:
        cursor.execute(sql, [SUBJECT])
        while rows := cursor.fetchmany(chunk):
            for row in rows:
                at, from_state, to_state = _aware(row[0]), row[1], row[2]
                request_id = row[10]
                if request_id != previous_request:
                    previous_request, since = request_id, None
                yield Change(
                    at=at,
                    since=since if from_state else None,
                    from_state=from_state,
                    to_state=to_state,
                    submitted_at=_aware(row[3]),
                    sla_due_on=_date(row[4]),
                    province_id=row[5],
                    agency_id=row[6],
                    service_id=row[7],
                    channel=row[8],
                    office_id=row[9],
                )
                since = at


def _aware(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):  # SQLite through a raw cursor
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _date(value: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def rebuild() -> int:
    """Recompute every cell from the event log, in one transaction: the cells and the pending
    changes of the events it reads are replaced by what the log says. On PostgreSQL the
    transaction reads one snapshot (REPEATABLE READ), so a change committed meanwhile keeps its
    pending row and is folded later, never counted twice. Returns the number of changes."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # Only the first statement of a transaction may set it; inside a caller's
            # transaction (the demo's, a test's) the caller's snapshot rules apply.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        pending_ids = list(PendingChange.objects.values_list("pk", flat=True))
        for model in ROLLUPS:
            model._default_manager.all().delete()
        tally = Tally()
        count = 0
        for change in replayed_changes():
            tally.add(change)
            count += 1
        write(tally)
        for start in range(0, len(pending_ids), 10000):
            PendingChange.objects.filter(pk__in=pending_ids[start : start + 10000]).delete()
    return count


def rebuild_sql() -> int:
    """``rebuild`` done by PostgreSQL in a few set-based statements (window functions over the
    events): the same cells, minutes instead of hours at tens of millions of events
    (``insights.rollups_sql``). Elsewhere it is ``rebuild``."""
    from .rollups_sql import rebuild_sql as rebuild_in_sql

    return rebuild_in_sql()


def snapshot() -> dict[str, set[tuple[object, ...]]]:
    """Every non-empty cell of every rollup (for comparing incremental and rebuilt rollups)."""
    result: dict[str, set[tuple[object, ...]]] = {}
    for model in ROLLUPS:
        names = [*model.KEY, *fields_of(model)]
        rows = model._default_manager.values_list(*names)
        value_count = len(fields_of(model))
        result[model.__name__] = {tuple(row) for row in rows if any(row[-value_count:])}
    return result


def changes_of(pending: Iterable[PendingChange]) -> list[Change]:
    return [_change_of(row) for row in pending]
