"""The rollups rebuilt from the event log by PostgreSQL itself (``rollups.rebuild_sql``): the same
cells as ``rollups.rebuild`` (which replays every change through ``Tally.add`` in Python), in a
few set-based statements — minutes instead of hours at tens of millions of events.

Each rule of ``Tally.add`` has its SQL twin here; ``tests/insights/test_generate.py`` compares
the two on generated data with random times (bucket bounds, Tehran midnights, Jalali months):

* a change is a state-changing audit event of a request (``to_state <> ''``) joined to its
  request; ``since`` is the time of the request's previous state-changing event (``lag`` over
  its events in sequence order), as ``rollups.replayed_changes`` keeps it;
* status cells: +1 for the state entered, -1 for the state left, on the filing day (Tehran) and
  its Jalali month and year, by office for counter requests; cells that add up to nothing are
  not written;
* step cells: a change that leaves a state counts the whole seconds since it was entered, in the
  Jalali month (and year) of the change's day;
* decision cells: a change from a non-decision into a decision counts the whole seconds since
  filing and whether its day is after the SLA's due date.

Every grain of a family (day, month, year; by province, nationwide, by office) is one grouped
``INSERT`` from the same per-day table of the family (``_grain``), as ``Tally.add`` feeds every
grain from the same change.

Days are Tehran's (``AT TIME ZONE`` with the zone of ``core.jalali.TEHRAN``, the same tz
database as Python's); Jalali months come from a table of days and the first day of their month,
computed in Python (``rollups.jalali_month``, ``rollups.jalali_year``) for the days the data
spans.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import UniqueConstraint

from pishkhan.core.jalali import TEHRAN

from .models import BUCKET_FIELDS, BUCKET_HOURS, Cell, PendingChange

TEMP_TABLES = (
    "insights_seen",
    "insights_change",
    "insights_c",
    "insights_jday",
    "insights_status",
    "insights_decision",
    "insights_step",
)
# How much memory each sort and hash of the rebuild may take (it runs alone, rarely).
WORK_MEM = "512MB"


def _bucket_case(seconds: str) -> str:
    """The bucket of a duration, as ``rollups.bucket`` (bounds inclusive)."""
    whens = " ".join(
        f"WHEN {seconds} <= {hours * 3600} THEN {index}" for index, hours in enumerate(BUCKET_HOURS)
    )
    return f"CASE {whens} ELSE {len(BUCKET_HOURS)} END"


def _histogram_sums(bucket: str, seconds: str) -> str:
    """count, total_seconds and the bucket columns, summed over a group."""
    q = connection.ops.quote_name
    parts = [f"count(*) AS {q('count')}", f"sum({seconds}) AS total_seconds"]
    parts += [
        f"count(*) FILTER (WHERE {bucket} = {index}) AS {name}"
        for index, name in enumerate(BUCKET_FIELDS)
    ]
    return ", ".join(parts)


def _histogram_columns() -> list[str]:
    return ["count", "total_seconds", *BUCKET_FIELDS]


def _insert(model: type[Cell], key: list[str], values: list[str], select: str) -> None:
    """INSERT the cells ``select`` makes, in the order of the rollup's unique key, so its index
    grows page by page rather than at random places."""
    q = connection.ops.quote_name
    columns = ", ".join(q(c) for c in [*key, *values])
    unique = next(c for c in model._meta.constraints if isinstance(c, UniqueConstraint))
    order = ", ".join(str(key.index(name) + 1) for name in unique.fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(model._meta.db_table)} ({columns}) {select} ORDER BY {order}"
        )


# Per family: the per-day table it is grouped from, that table's day column, the column of each
# key field, the values summed, and whether a cell that adds up to nothing is left out.
_SOURCES = {
    "status": ("insights_status", "filed", {"status": "state"}),
    "office_status": ("insights_status", "filed", {"status": "state"}),
    "decision": ("insights_decision", "day", {}),
    "office_decision": ("insights_decision", "day", {}),
    "step": ("insights_step", "day", {"state": "from_state"}),
}


def _grain(model: type[Cell]) -> None:
    """Every cell of one rollup, grouped from its family's per-day table: the day, or the
    Jalali month or year of the day (``insights_jday``), and the key's other columns."""
    q = connection.ops.quote_name
    table, day, renamed = _SOURCES[model.FAMILY]
    key = list(model.KEY)
    time = f"s.{day}" if model.GRAIN == "day" else f"j.{model.GRAIN}"
    columns = [time if name == model.GRAIN else f"s.{renamed.get(name, name)}" for name in key]
    if model.FAMILY.endswith("status"):
        values = ["requests"]
    else:
        values = _histogram_columns() + (["breached"] if "decision" in model.FAMILY else [])
    sums = ", ".join(f"CAST(sum(s.{q(c)}) AS bigint)" for c in values)
    join = "" if model.GRAIN == "day" else f" JOIN insights_jday j ON j.day = s.{day}"
    where = " WHERE s.office_id IS NOT NULL" if model.FAMILY.startswith("office") else ""
    having = " HAVING sum(s.requests) <> 0" if values == ["requests"] else ""
    groups = ", ".join(str(n + 1) for n in range(len(key)))
    _insert(
        model,
        key,
        values,
        f"SELECT {', '.join(columns)}, {sums} FROM {table} s{join}{where} "
        f"GROUP BY {groups}{having}",
    )


def rebuild_sql() -> int:
    """Recompute every cell from the event log, in PostgreSQL, in one transaction: the same
    cells as ``rollups.rebuild`` and the same rules for pending changes (those it sees are
    deleted, their events being in its snapshot). Returns the number of changes.
    Elsewhere than PostgreSQL it is ``rollups.rebuild``."""
    from . import rollups

    if connection.vendor != "postgresql":
        return rollups.rebuild()
    from pishkhan.cases.models import ServiceRequest
    from pishkhan.core.models import AuditEvent

    q = connection.ops.quote_name
    events = q(AuditEvent._meta.db_table)
    requests = q(ServiceRequest._meta.db_table)
    zone = str(TEHRAN.key)
    decisions = ", ".join(f"'{state}'" for state in sorted(rollups.DECISIONS))
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        # Compiling these few big statements costs more than it saves.
        cursor.execute("SET LOCAL jit = off")
        pending = q(PendingChange._meta.db_table)
        # Dropped at commit; inside a caller's transaction (a test's) a second rebuild may
        # find the first one's.
        cursor.execute(f"DROP TABLE IF EXISTS {', '.join(TEMP_TABLES)}")
        cursor.execute(
            f"CREATE TEMP TABLE insights_seen ON COMMIT DROP AS SELECT id FROM {pending}"
        )
        for model in rollups.ROLLUPS:
            cursor.execute(f"DELETE FROM {q(model._meta.db_table)}")

        # Every change, with the time its request entered the state it leaves.
        cursor.execute(
            f"""
            CREATE TEMP TABLE insights_change ON COMMIT DROP AS
            SELECT CAST(e.subject_id AS bigint) AS rid, e.created_at AS at, e.from_state,
                   e.to_state, lag(e.created_at) OVER (
                       PARTITION BY CAST(e.subject_id AS bigint) ORDER BY e.sequence) AS since
            FROM {events} e
            WHERE e.subject_type = %s AND e.to_state <> ''
            """,
            [rollups.SUBJECT],
        )
        # ... with its request's fixed dimensions, its day and filing day (Tehran), and, once,
        # what the cells need of it: the seconds it spent in the state it leaves (None when it
        # leaves none or its entry is unknown), whether it is a decision, the turnaround and
        # lateness of one, and their buckets. Whole seconds: ``floor`` of the interval's
        # seconds (``date_part`` of an interval is exact to the microsecond here), as Python's
        # ``int(timedelta.total_seconds())`` for durations that are not negative.
        spent = "greatest(0, floor(date_part('epoch', c.at - c.since)))::bigint"
        turnaround = "greatest(0, floor(date_part('epoch', c.at - r.submitted_at)))::bigint"
        cursor.execute(
            f"""
            CREATE TEMP TABLE insights_c ON COMMIT DROP AS
            SELECT x.*, {_bucket_case("x.spent")} AS spent_bucket,
                   {_bucket_case("x.turnaround")} AS turnaround_bucket,
                   CASE WHEN x.day > x.sla_due_on THEN 1 ELSE 0 END AS late
            FROM (
                SELECT c.from_state, c.to_state, r.sla_due_on, r.province_id, r.agency_id,
                       r.service_id, r.channel, r.office_id,
                       (r.submitted_at AT TIME ZONE %s)::date AS filed,
                       (c.at AT TIME ZONE %s)::date AS day,
                       CASE WHEN c.from_state <> '' AND c.since IS NOT NULL
                            THEN {spent} END AS spent,
                       (c.from_state <> '' AND c.to_state IN ({decisions})
                        AND c.from_state NOT IN ({decisions})) AS decided,
                       {turnaround} AS turnaround
                FROM insights_change c JOIN {requests} r ON r.id = c.rid
                OFFSET 0
            ) x
            """,
            [zone, zone],
        )
        cursor.execute(
            "SELECT count(*), min(least(filed, day)), max(greatest(filed, day)) FROM insights_c"
        )
        count, first, last = cursor.fetchone()
        if not count:
            cursor.execute(f"DELETE FROM {pending} WHERE id IN (SELECT id FROM insights_seen)")
            return 0

        # Days and the first day of their Jalali month and year, for the days the data spans.
        days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
        cursor.execute("CREATE TEMP TABLE insights_jday (day date PRIMARY KEY, month date, "
                       "year date) ON COMMIT DROP")  # fmt: skip
        cursor.execute(
            "INSERT INTO insights_jday SELECT * FROM unnest(%s::date[], %s::date[], %s::date[])",
            [
                days,
                [rollups.jalali_month(day) for day in days],
                [rollups.jalali_year(day) for day in days],
            ],
        )
        cursor.execute("ANALYZE insights_jday")

        # Status: +1 for the state entered, -1 for the state left, by filing day and office.
        cursor.execute(
            """
            CREATE TEMP TABLE insights_status ON COMMIT DROP AS
            SELECT filed, province_id, agency_id, service_id, channel, office_id, state,
                   CAST(sum(step) AS bigint) AS requests
            FROM (
                SELECT filed, province_id, agency_id, service_id, channel, office_id,
                       to_state AS state, 1 AS step FROM insights_c
                UNION ALL
                SELECT filed, province_id, agency_id, service_id, channel, office_id,
                       from_state, -1 FROM insights_c WHERE from_state <> ''
            ) moves
            GROUP BY filed, province_id, agency_id, service_id, channel, office_id, state
            """
        )
        where = "province_id, agency_id, service_id"
        for model in rollups.FAMILIES["status"] + rollups.FAMILIES["office_status"]:
            _grain(model)

        # Decisions: first arrival in a decision, turnaround from filing, SLA by the day.
        cursor.execute(
            f"""
            CREATE TEMP TABLE insights_decision ON COMMIT DROP AS
            SELECT day, province_id, agency_id, service_id, channel, office_id,
                   to_state AS decision,
                   {_histogram_sums("turnaround_bucket", "turnaround")},
                   sum(late) AS breached
            FROM insights_c WHERE decided
            GROUP BY day, province_id, agency_id, service_id, channel, office_id, to_state
            """
        )
        for model in rollups.FAMILIES["decision"] + rollups.FAMILIES["office_decision"]:
            _grain(model)

        # Steps: the seconds spent in the state a change leaves, by the month it was left.
        cursor.execute(
            f"""
            CREATE TEMP TABLE insights_step ON COMMIT DROP AS
            SELECT day, {where}, from_state, {_histogram_sums("spent_bucket", "spent")}
            FROM insights_c WHERE spent IS NOT NULL
            GROUP BY day, {where}, from_state
            """
        )
        for model in rollups.FAMILIES["step"]:
            _grain(model)
        cursor.execute(f"DELETE FROM {pending} WHERE id IN (SELECT id FROM insights_seen)")
        cursor.execute(f"DROP TABLE {', '.join(TEMP_TABLES)}")
    return int(count)
