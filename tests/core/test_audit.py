"""The append-only, hash-chained audit log: per-subject chains, checkpoints, and verification."""

import datetime as dt
import hashlib
import io
import json
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from pishkhan.core.audit import (
    canonical_json,
    events_for,
    hash_of,
    make_checkpoint,
    record_event,
    verify,
)
from pishkhan.core.models import AppendOnlyError, AuditCheckpoint, AuditEvent

pytestmark = pytest.mark.django_db

EVENTS = AuditEvent._meta.db_table
CHECKPOINTS = AuditCheckpoint._meta.db_table


def record(subject_id, action="submitted", subject_type="service_request", **kwargs):
    # As an action would: inside a transaction (the subject's row lock is the caller's business).
    with transaction.atomic():
        return record_event(subject_type, subject_id, action=action, **kwargs)


@pytest.fixture
def clock(monkeypatch):
    """Move "now" forward: ``clock(seconds)`` freezes it that far ahead of the real time.

    Forward, not back: events already in the database (the demo's, say) stay older than now.
    """
    real_now = timezone.now

    def set_clock(seconds_ahead):
        moment = real_now() + dt.timedelta(seconds=seconds_ahead)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_clock


def raw_sql(sql, params=()):
    """Change the log behind the application's back, as an intruder with SQL access would.

    On PostgreSQL the append-only trigger must be disabled first; ALTER TABLE is transactional,
    so the test's rollback restores it.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in (EVENTS, CHECKPOINTS):
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        cursor.execute(sql, params)


def test_canonical_json_is_sorted_compact_utf8():
    assert canonical_json({"b": 1, "a": "درخواست", "c": [True, None]}) == (
        '{"a":"درخواست","b":1,"c":[true,null]}'.encode()
    )


def test_events_of_one_subject_form_a_chain():
    first = record(41, "submitted", to_state="submitted", data={"channel": "office"})
    second = record(41, "accepted", from_state="submitted", to_state="accepted")
    third = record("41", "commented", comment="مدارک کامل است")

    assert [e.sequence for e in (first, second, third)] == [1, 2, 3]
    assert first.prev_hash == ""
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert list(events_for("service_request", 41)) == [first, second, third]


def test_the_hash_is_sha256_of_every_field_but_itself():
    event = record(42, "submitted", comment="سلام", data={"fee": 300_000, "docs": ("a", "b")})
    event.refresh_from_db()
    payload = {
        "subject_type": "service_request",
        "subject_id": "42",
        "sequence": 1,
        "prev_hash": "",
        "actor_id": None,
        "actor_name": "",
        "actor_role": "",
        "action": "submitted",
        "from_state": "",
        "to_state": "",
        "comment": "سلام",
        "data": {"docs": ["a", "b"], "fee": 300_000},
        "created_at": event.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
    }
    expected = hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    # Read back from the database, the event still hashes to what was stored.
    assert event.hash == expected == hash_of(event)


def test_an_event_hashes_the_same_after_dumpdata_and_loaddata():
    event = record(42, "submitted", data={"fee": 300_000})
    dumped = serializers.serialize("json", [event])
    (loaded,) = serializers.deserialize("json", dumped)
    assert loaded.object.created_at == event.created_at
    assert hash_of(loaded.object) == event.hash


def test_two_subjects_have_independent_chains():
    a1 = record(43)
    b1 = record(43, subject_type="office")
    a2 = record(43, "accepted")
    b2 = record(43, "suspended", subject_type="office")
    assert (a1.sequence, a2.sequence, b1.sequence, b2.sequence) == (1, 2, 1, 2)
    assert b1.prev_hash == ""
    assert a2.prev_hash == a1.hash
    assert b2.prev_hash == b1.hash


def test_the_actor_is_copied_and_the_system_has_none(role_users):
    officer = next(u for u in role_users.values() if u.role != "citizen")
    event = record(44, actor=officer)
    assert event.actor_id == officer.pk
    assert event.actor_role == officer.role
    assert event.actor_name == (officer.get_full_name() or officer.username)
    system = record(44, "expired")
    assert (system.actor_id, system.actor_name, system.actor_role) == (None, "", "")


def test_record_event_needs_a_transaction(monkeypatch):
    # Every test runs inside the test's own transaction: pretend there is none.
    monkeypatch.setattr(
        transaction, "get_connection", lambda using=None: SimpleNamespace(in_atomic_block=False)
    )
    with pytest.raises(TransactionManagementError):
        record_event("service_request", 45, action="submitted")


def test_floats_and_other_types_are_refused_in_data():
    with pytest.raises(TypeError, match="float"):
        record(46, data={"rate": 0.1})
    with pytest.raises(TypeError, match="keys must be strings"):
        record(46, data={"nested": {1: "x"}})
    assert not events_for("service_request", 46).exists()


def test_events_cannot_be_changed_or_deleted_through_the_orm():
    event = record(47)
    event.comment = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(comment="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    checkpoint = make_checkpoint(settle_seconds=0)
    with pytest.raises(AppendOnlyError):
        checkpoint.save()
    with pytest.raises(AppendOnlyError):
        checkpoint.delete()
    event.refresh_from_db()
    assert event.comment == ""
    assert verify().ok


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete_in_the_database():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    event = record(48)
    checkpoint = make_checkpoint(settle_seconds=0)
    statements = [
        (f"UPDATE {EVENTS} SET comment = 'x' WHERE id = %s", event.pk),
        (f"DELETE FROM {EVENTS} WHERE id = %s", event.pk),
        (f"UPDATE {CHECKPOINTS} SET event_count = 0 WHERE id = %s", checkpoint.pk),
        (f"DELETE FROM {CHECKPOINTS} WHERE id = %s", checkpoint.pk),
    ]
    for sql, pk in statements:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [pk])
    # Saving a row again exactly as it is (loaddata, serialized rollback) rewrites nothing.
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {EVENTS} SET comment = comment WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.comment == ""
    assert verify().ok


def test_verify_passes_on_an_intact_log():
    before = verify()
    assert before.ok, before.problems
    record(49)
    record(49, "accepted")
    record(50)
    make_checkpoint(settle_seconds=0)
    record(50, "accepted")
    result = verify()
    assert result.ok, result.problems
    assert result.problems == []
    assert result.events == before.events + 4
    assert result.subjects == before.subjects + 2
    assert result.checkpoints == before.checkpoints + 1
    assert result.pending_events == 1
    assert result.covered_events == result.events - 1


def test_verify_names_the_first_event_changed_behind_its_back():
    record(51)
    changed = record(51, "accepted", comment="approved")
    record(51, "completed")
    later = record(52, comment="ok")
    raw_sql(f"UPDATE {EVENTS} SET comment = %s WHERE id = %s", ["rejected", changed.pk])
    raw_sql(f"UPDATE {EVENTS} SET comment = %s WHERE id = %s", ["not ok", later.pk])

    result = verify()
    assert not result.ok
    assert result.problem_count == 2
    first = result.problems[0]
    assert f"{EVENTS} id={changed.pk} (service_request 51, sequence 2)" in first
    assert "do not match its hash" in first
    assert f"id={later.pk}" in result.problems[1]


def test_verify_finds_a_deleted_event_as_a_gap():
    record(53)
    deleted = record(53, "accepted")
    after = record(53, "completed")
    raw_sql(f"DELETE FROM {EVENTS} WHERE id = %s", [deleted.pk])

    result = verify()
    assert result.problem_count == 1
    assert f"{EVENTS} id={after.pk} (service_request 53, sequence 3)" in result.problems[0]
    assert "sequence 2 of this subject is missing" in result.problems[0]


def test_verify_finds_a_rewritten_chain_through_the_checkpoint():
    # Deleting a subject's newest event leaves its chain looking whole: only the checkpoint,
    # which hashed that event, notices.
    record(54)
    newest = record(54, "accepted")
    checkpoint = make_checkpoint(settle_seconds=0)
    raw_sql(f"DELETE FROM {EVENTS} WHERE id = %s", [newest.pk])

    result = verify()
    assert result.problem_count == 1
    assert f"{CHECKPOINTS} id={checkpoint.pk}" in result.problems[0]
    assert (
        f"it covers {checkpoint.event_count} events but {checkpoint.event_count - 1}"
        in (result.problems[0])
    )


def test_verify_finds_a_changed_checkpoint():
    record(55)
    first = make_checkpoint(settle_seconds=0)
    record(56)
    second = make_checkpoint(settle_seconds=0)
    raw_sql(f"UPDATE {CHECKPOINTS} SET hash = %s WHERE id = %s", ["0" * 64, first.pk])

    result = verify()
    assert not result.ok
    assert result.problems[0].startswith(f"{CHECKPOINTS} id={first.pk} ")
    assert "its hash does not match the events it covers" in result.problems[0]
    # The next checkpoint no longer links to it.
    assert f"{CHECKPOINTS} id={second.pk} " in result.problems[1]
    assert "prev_hash does not match" in result.problems[1]


def test_verify_reports_an_event_no_checkpoint_covers():
    # An event committed after a later checkpoint closed its range (a transaction held open past
    # the settle margin): simulated by taking the event out and putting it back afterwards.
    record(57)
    make_checkpoint(settle_seconds=0)
    late = record(58)
    record(59)
    raw_sql(f"DELETE FROM {EVENTS} WHERE id = %s", [late.pk])
    closing = make_checkpoint(settle_seconds=0)
    assert closing.first_event_id > late.pk
    AuditEvent(**{f.attname: getattr(late, f.attname) for f in AuditEvent._meta.fields}).save()

    result = verify()
    assert result.problem_count == 1
    assert f"{EVENTS} id={late.pk} (service_request 58, sequence 1)" in result.problems[0]
    assert "no checkpoint covers it" in result.problems[0]


def test_checkpoints_cover_only_settled_events_and_chain(clock):
    settled = record(60)
    clock(500)
    fresh = record(61)
    clock(0)
    after_fresh = record(62)  # older, but after a too-new event in id order: waits its turn
    clock(700)

    first = make_checkpoint(settle_seconds=300)
    assert first is not None
    assert first.last_event_id == settled.pk
    assert not AuditEvent.objects.filter(pk__gt=settled.pk, pk__lte=first.last_event_id).exists()
    assert make_checkpoint(settle_seconds=300) is None

    second = make_checkpoint(settle_seconds=0)
    assert second.prev_hash == first.hash
    assert (second.first_event_id, second.last_event_id) == (fresh.pk, after_fresh.pk)
    assert second.event_count == 2
    assert (
        second.hash
        == hashlib.sha256((first.hash + fresh.hash + after_fresh.hash).encode()).hexdigest()
    )
    assert make_checkpoint(settle_seconds=0) is None
    assert verify().ok


def test_the_first_checkpoint_starts_the_chain():
    record(63)
    checkpoint = make_checkpoint(settle_seconds=0)
    hashes = AuditEvent.objects.filter(pk__lte=checkpoint.last_event_id).order_by("id")
    assert checkpoint.prev_hash == ""
    assert checkpoint.event_count == hashes.count()
    assert checkpoint.first_event_id == hashes.first().pk
    expected = hashlib.sha256("".join(e.hash for e in hashes).encode()).hexdigest()
    assert checkpoint.hash == expected


def test_audit_verify_command_reports_intact_and_broken_logs():
    record(64)
    changed = record(64, "accepted")
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "audit log intact" in out.getvalue()

    raw_sql(f"UPDATE {EVENTS} SET action = %s WHERE id = %s", ["rejected", changed.pk])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify", stdout=out, stderr=err)
    assert exit_info.value.code == 1
    assert "audit log intact" not in out.getvalue()
    assert "audit log BROKEN: 1 problems" in err.getvalue()
    assert f"{EVENTS} id={changed.pk}" in err.getvalue()


def test_audit_checkpoint_command():
    record(65)
    out = io.StringIO()
    call_command("audit", "checkpoint", "--settle-seconds=0", stdout=out)
    checkpoint = AuditCheckpoint.objects.latest("id")
    assert f"Checkpoint {checkpoint.pk}: events" in out.getvalue()
    out = io.StringIO()
    call_command("audit", "checkpoint", "--settle-seconds=0", stdout=out)
    assert "nothing to do" in out.getvalue()


def test_hourly_checkpoint_task(clock):
    from pishkhan.core.tasks import audit_checkpoint

    schedule = settings.CELERY_BEAT_SCHEDULE["audit-checkpoint"]
    assert schedule == {"task": "pishkhan.core.tasks.audit_checkpoint", "schedule": 3600.0}
    assert audit_checkpoint.name == schedule["task"]
    event = record(66)
    clock(3600)
    checkpoint_id = audit_checkpoint.apply().get()  # in-process, whatever the broker
    assert AuditCheckpoint.objects.get(pk=checkpoint_id).last_event_id >= event.pk


@pytest.mark.django_db
def test_an_event_said_to_be_first_of_a_subject_with_events_is_refused():
    from django.db import IntegrityError, transaction

    from pishkhan.core.audit import record_event

    with transaction.atomic():
        record_event("office", 424242, action="created", first=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        record_event("office", 424242, action="again", first=True)
