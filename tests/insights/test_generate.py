"""`pishkhan generate` makes requests the app accepts as its own: valid tracking codes, audit
chains that `pishkhan audit verify` accepts, states that follow the events, rollups equal to the
ones rebuilt from the log; the SQL rebuild equals the Python one to the cell, also on times
placed on every boundary; the dashboard bench script runs on a tiny dataset."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import jdatetime
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from pishkhan.cases.models import ServiceRequest
from pishkhan.core.audit import hash_of, verify
from pishkhan.core.identifiers import is_valid_national_code, is_valid_tracking_code
from pishkhan.core.jalali import TEHRAN
from pishkhan.core.models import AuditEvent
from pishkhan.insights import generate as generator
from pishkhan.insights import rollups
from pishkhan.insights.models import DecisionDay, PendingChange

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
GENERATED = {"idempotency_key__startswith": generator.KEY_PREFIX}


def _generate(requests: int, *extra: str) -> dict:
    out = io.StringIO()
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"generate-{os.getpid()}.json"
    call_command(
        "generate",
        "--requests",
        str(requests),
        "--seed",
        "7",
        "--citizens",
        "400",
        "--offices",
        "40",
        "--json",
        str(path),
        *extra,
        stdout=out,
    )
    figures = json.loads(path.read_text())
    path.unlink()
    return figures


def test_generated_requests_are_consistent_and_their_rollups_current():
    before = ServiceRequest.objects.count()
    figures = _generate(2000)
    assert figures["requests"] == 2000
    assert ServiceRequest.objects.count() == before + 2000
    requests = list(
        ServiceRequest.objects.filter(**GENERATED).select_related("citizen").order_by("pk")
    )
    assert len(requests) == 2000
    codes = [r.tracking_code for r in requests]
    assert len(set(codes)) == len(codes)
    assert all(is_valid_tracking_code(code) for code in codes)
    assert all(is_valid_national_code(r.citizen.national_code) for r in requests[:200])

    # ids in filing order, events in time order (ids grow with time, as in a real log)
    assert [r.submitted_at for r in requests] == sorted(r.submitted_at for r in requests)
    ids = [str(r.pk) for r in requests]
    events = list(
        AuditEvent.objects.filter(subject_type="service_request", subject_id__in=ids).order_by("pk")
    )
    assert sum(1 for _ in events) == figures["events"]
    times = [e.created_at for e in events]
    assert times == sorted(times)
    assert max(times) <= timezone.now()

    # each request's state, version, decision time and filing follow from its events
    by_request: dict[str, list[AuditEvent]] = {}
    for event in sorted(events, key=lambda e: (e.subject_id, e.sequence)):
        by_request.setdefault(event.subject_id, []).append(event)
    definition = requests[0].definition
    for request in requests:
        trail = by_request[str(request.pk)]
        assert [e.sequence for e in trail] == list(range(1, len(trail) + 1))
        assert trail[0].action == "submit" and trail[0].to_state == "submitted"
        assert trail[0].created_at == request.submitted_at
        assert trail[0].data["tracking_code"] == request.tracking_code
        assert trail[0].data["channel"] == request.channel
        assert trail[0].data["office"] == request.office_id
        assert trail[-1].to_state == request.status
        assert request.version == len(trail)
        for previous, event in itertools.pairwise(trail):
            assert event.from_state == previous.to_state
            step = definition.find(event.from_state, event.action)
            assert step is not None and step.target == event.to_state, event
            assert event.actor_role in step.roles
            assert event.created_at >= previous.created_at
        decided = [e.created_at for e in trail if e.action in ("approve", "reject")]
        assert request.decided_at == (decided[-1] if decided else None)
        assert (request.channel == "office") == (request.office_id is not None)
        if request.office_id:
            assert request.province_id == request.office.province_id
        else:
            assert request.province_id == request.citizen.province_id
        assert request.sla_due_on > request.submitted_at.astimezone(TEHRAN).date()

    # the audit log verifies, by the command and by its hashes recomputed here
    assert all(hash_of(e) == e.hash for e in events[:500])
    result = verify()
    assert result.ok, result.problems[:3]
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "audit log intact" in out.getvalue()

    # realistic enough: both channels, many states, some SLA breaches, years of history
    statuses = {r.status for r in requests}
    assert {"submitted", "in_review", "delivered", "rejected"} <= statuses
    online = sum(1 for r in requests if r.channel == "online") / len(requests)
    assert 0.2 < online < 0.7
    assert sum(DecisionDay.objects.values_list("breached", flat=True)) > 0
    span = requests[-1].submitted_at - requests[0].submitted_at
    assert span > dt.timedelta(days=900)

    # rollups current: what generate left equals a rebuild from the log
    assert not PendingChange.objects.exists()
    kept = rollups.snapshot()
    assert kept["StatusDay"]
    rollups.rebuild()
    assert rollups.snapshot() == kept


def test_a_second_run_continues_and_reuses_the_citizens():
    first = _generate(300)
    second = _generate(200)
    assert second["created"]["citizens"] == 0 and second["created"]["offices"] == 0
    assert second["ids"][0] > first["ids"][1]
    keys = list(
        ServiceRequest.objects.filter(**GENERATED).values_list("idempotency_key", flat=True)
    )
    assert len(keys) == len(set(keys)) == 500
    assert verify().ok


def _jalali_month_starts(first_year: int, last_year: int) -> list[dt.date]:
    return [
        jdatetime.date(year, month, 1).togregorian()
        for year in range(first_year, last_year + 1)
        for month in range(1, 13)
    ]


def _boundary_times(rng: random.Random) -> list[dt.datetime]:
    """Tehran midnights (Jalali month starts among them, before and after 2022's end of
    daylight saving), a microsecond or a millisecond either side."""
    days = [
        *_jalali_month_starts(1399, 1405),
        dt.date(2021, 3, 21),
        dt.date(2022, 9, 21),
        dt.date(2022, 9, 22),
    ]
    moments = []
    for day in days:
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=TEHRAN)
        for shift in (-1000, -1, 0, 1, 1000):
            moments.append(midnight + dt.timedelta(microseconds=shift))
    rng.shuffle(moments)
    return moments


def _durations(rng: random.Random) -> list[dt.timedelta]:
    """Bucket bounds exactly, and a microsecond either side."""
    out = []
    for hours in (1, 4, 8, 24, 48, 72, 120, 168, 240, 336, 504, 720, 1440, 2160):
        for shift in (-1, 0, 1):
            out.append(dt.timedelta(hours=hours, microseconds=shift))
    out += [dt.timedelta(seconds=rng.randint(0, 10_000_000)) for _ in range(20)]
    return out


@pytest.mark.postgres
def test_sql_rebuild_equals_the_python_rebuild_on_boundary_times():
    if connection.vendor != "postgresql":
        pytest.skip("rebuild_sql is PostgreSQL's (elsewhere it is rebuild itself)")
    _generate(1500, "--rollups", "none")
    rng = random.Random(11)
    template = ServiceRequest.objects.filter(**GENERATED).first()
    moments = _boundary_times(rng)
    durations = _durations(rng)
    paths = [
        ["submitted", "in_review", "approved", "delivered"],
        ["submitted", "in_review", "rejected"],
        ["submitted", "in_review", "needs_info", "resubmitted", "in_review", "approved"],
        ["submitted", "cancelled"],
        ["submitted", "in_review", "approved", "rejected"],  # not a workflow's: counted as is
    ]
    events = []
    for k in range(240):
        filed = rng.choice(moments)
        path = rng.choice(paths)
        at = filed
        times = [filed]
        for _ in path[1:]:
            at = at + rng.choice(durations)
            times.append(rng.choice([at, rng.choice(moments)]) if rng.random() < 0.2 else at)
        request = ServiceRequest.objects.create(
            tracking_code=f"9{k:010d}0",
            service_id=template.service_id,
            agency_id=template.agency_id,
            province_id=template.province_id,
            citizen_id=template.citizen_id,
            channel=template.channel,
            office_id=template.office_id,
            operator_id=template.operator_id,
            workflow_id=template.workflow_id,
            status=path[-1],
            submitted_at=filed,
            sla_due_on=filed.astimezone(TEHRAN).date() + dt.timedelta(days=rng.randint(0, 30)),
        )
        sequence = 0
        for index, state in enumerate(path):
            sequence += 1
            events.append(
                AuditEvent(
                    subject_type="service_request",
                    subject_id=str(request.pk),
                    sequence=sequence,
                    action="x",
                    from_state=path[index - 1] if index else "",
                    to_state=state,
                    created_at=times[index],
                    hash=f"{request.pk:032d}{sequence:032d}",
                )
            )
            if rng.random() < 0.15:  # an event that changes no state: not a change
                sequence += 1
                events.append(
                    AuditEvent(
                        subject_type="service_request",
                        subject_id=str(request.pk),
                        sequence=sequence,
                        action="comment",
                        created_at=times[index] + dt.timedelta(minutes=5),
                        hash=f"{request.pk:032d}{sequence:032d}",
                    )
                )
    AuditEvent.objects.bulk_create(events)
    PendingChange.objects.create(
        request_id=template.pk,
        at=timezone.now(),
        from_state="",
        to_state="submitted",
        submitted_at=template.submitted_at,
        sla_due_on=template.sla_due_on,
        province_id=template.province_id,
        agency_id=template.agency_id,
        service_id=template.service_id,
        channel=template.channel,
        office_id=template.office_id,
    )
    count_sql = rollups.rebuild_sql()
    by_sql = rollups.snapshot()
    assert not PendingChange.objects.exists()
    count_python = rollups.rebuild()
    by_python = rollups.snapshot()
    assert count_sql == count_python
    for name in by_python:
        assert by_sql[name] == by_python[name], name
    assert len({row[0] for row in by_sql["StatusMonth"]}) > 20  # many Jalali months


@pytest.mark.postgres
def test_the_dashboard_bench_runs_on_a_tiny_dataset(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the dashboard bench runs on PostgreSQL")
    # The script reads with its own connection: the data must be committed, so it is written
    # into a database of its own, as bench/insights.sh does.
    import psycopg

    settings = connection.settings_dict
    name = f"{settings['NAME']}_dash"
    host, port = settings["HOST"] or "localhost", settings["PORT"] or 5432
    user, password = settings["USER"] or "", settings["PASSWORD"] or ""
    url = f"postgres://{user}{':' + password if password else ''}@{host}:{port}/{name}"
    server = psycopg.connect(
        host=host, port=port, user=user, password=password, dbname="postgres", autocommit=True
    )
    server.execute(f'DROP DATABASE IF EXISTS "{name}"')
    server.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "SECRET_KEY": "x"}
    env["PISHKHAN_VAR_DIR"] = str(tmp_path)
    pishkhan = [sys.executable, "-m", "pishkhan.cli"]
    try:
        for args in (["migrate", "--noinput"], ["demo", "--quiet-logins"]):
            subprocess.run([*pishkhan, *args], env=env, check=True, capture_output=True)
        generate = ["generate", "--requests", "1500", "--citizens", "300", "--offices", "40"]
        made = tmp_path / "generate.json"
        run = subprocess.run(
            [*pishkhan, *generate, "--json", str(made)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        assert "events generated" in run.stdout
        script = ROOT / "bench" / "dashboards.py"
        out = tmp_path / "dashboards.json"
        subprocess.run(
            [sys.executable, str(script), str(out), "--runs", "3", "--groupby-runs", "1"],
            env=env,
            check=True,
            capture_output=True,
        )
    finally:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.close()
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from dashboards import dashboard_keys, print_dashboards
    finally:
        sys.path.remove(str(ROOT / "bench"))
    keys = dashboard_keys(tmp_path)
    assert keys["dashboard_requests_in_db"] >= 1500
    assert keys["dashboard_p99_ms"] > 0 and keys["dashboard_groupby_p99_ms"] > 0
    assert keys["dashboard_statusday_rows"] > 0
    assert keys["generate_requests_per_s"] > 0
    print_dashboards(keys)
