"""The append-only, hash-chained audit log (see docs/audit.md).

Two levels, so that no writer ever waits on a log-wide lock:

1. Each event carries the hash of the previous event **of the same subject** (a service request,
   an office, a licence, a certificate) and its own hash over its canonical JSON. Writers of
   different subjects touch different chains; writers of one subject are already serialised by
   the row lock the calling action holds on that subject.
2. A periodic checkpoint hashes the hashes of the events recorded since the previous checkpoint,
   in id order, together with that checkpoint's hash, closing the whole log into one chain. This
   catches what the first level cannot: the newest event of a subject removed, or a subject's
   whole chain rewritten with fresh hashes.

``verify()`` checks both levels and names the first broken link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from .models import AuditCheckpoint, AuditEvent

# A checkpoint covers only events older than this, so that a transaction still open when the
# checkpoint is made (holding a lower id, committed later) is not skipped over.
DEFAULT_SETTLE_SECONDS = 300

# The key of the PostgreSQL transaction-level advisory lock that serialises checkpoints
# (b"pishaudt" as a signed 64-bit integer).
CHECKPOINT_LOCK_KEY = 0x7069736861756474

_CHUNK = 2000
_TEXT_LIMITS = {
    "subject_type": 40,
    "subject_id": 40,
    "action": 40,
    "from_state": 40,
    "to_state": 40,
}
_EVENT_TABLE = AuditEvent._meta.db_table
_CHECKPOINT_TABLE = AuditCheckpoint._meta.db_table


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    """The one byte string a payload hashes as: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _now() -> dt.datetime:
    """Now, to the millisecond: Django's JSON serializer (dumpdata, loaddata, the test runner's
    serialized rollback) keeps no more, and an event must hash the same after a dump and reload."""
    now = timezone.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _utc_iso(moment: dt.datetime) -> str:
    if timezone.is_naive(moment):
        raise ValueError("audit times must be timezone-aware")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    subject_type: str,
    subject_id: str,
    sequence: int,
    prev_hash: str,
    actor_id: int | None,
    actor_name: str,
    actor_role: str,
    action: str,
    from_state: str,
    to_state: str,
    comment: str,
    data: Mapping[str, Any],
    created_at: dt.datetime,
) -> str:
    """SHA-256 (hex) of the canonical JSON of every field of an event except its own hash.

    The database id is left out on purpose: it is assigned by the insert, after the hash.
    """
    payload = {
        "subject_type": subject_type,
        "subject_id": subject_id,
        "sequence": sequence,
        "prev_hash": prev_hash,
        "actor_id": actor_id,
        "actor_name": actor_name,
        "actor_role": actor_role,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "comment": comment,
        "data": data,
        "created_at": _utc_iso(created_at),
    }
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def hash_of(event: AuditEvent) -> str:
    """The hash ``event`` should carry, recomputed from its stored fields."""
    return event_hash(
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        sequence=event.sequence,
        prev_hash=event.prev_hash,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        actor_role=event.actor_role,
        action=event.action,
        from_state=event.from_state,
        to_state=event.to_state,
        comment=event.comment,
        data=event.data,
        created_at=event.created_at,
    )


def _check_json(value: object, path: str) -> None:
    # Only values that come back from either database exactly as they went in. Floats do not:
    # PostgreSQL's jsonb prints 1e+20 as 100000000000000000000 and has no -0.0, so the hash
    # recomputed on reading would differ. Money is integer Rials anyway.
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"audit data {path}: keys must be strings, not {key!r}")
            _check_json(item, f"{path}.{key}")
        return
    raise TypeError(
        f"audit data {path}: {type(value).__name__} is not allowed "
        "(use strings, integers, booleans, None, lists and dicts)"
    )


def _normalise_data(data: Mapping[str, Any]) -> dict[str, Any]:
    _check_json(dict(data), "data")
    # Through JSON and back: tuples become lists and str subclasses plain strings, exactly what
    # the JSONField will return when the event is read again.
    normalised: dict[str, Any] = json.loads(canonical_json(data))
    return normalised


def _describe_actor(actor: object | None) -> tuple[int | None, str, str]:
    """(id, name, role) of any user-like object; (None, "", "") for the system."""
    if actor is None:
        return None, "", ""
    pk = getattr(actor, "pk", None)
    get_full_name = getattr(actor, "get_full_name", None)
    name = get_full_name() if callable(get_full_name) else ""
    if not name:
        name = getattr(actor, "username", "") or ""
    role = getattr(actor, "role", "") or ""
    # The name is a snapshot: the log keeps who acted even after the account is renamed or gone.
    return (int(pk) if pk is not None else None), str(name)[:150], str(role)[:32]


def record_event(
    subject_type: str,
    subject_id: str | int,
    *,
    action: str,
    actor: object | None = None,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    data: Mapping[str, Any] | None = None,
    first: bool = False,
    insert: Callable[[AuditEvent], None] | None = None,
) -> AuditEvent:
    """Append one event to the chain of one subject and return it.

    The caller runs this inside ``transaction.atomic()`` **while holding a row lock on the
    subject** (``select_for_update()`` on the request, office, licence...), as every action that
    changes a subject already does. That lock is what makes reading the subject's last event and
    inserting the next one safe; no lock on the log itself is taken, so actions on different
    subjects never wait for each other. Should a caller forget the lock, the unique (subject,
    sequence) constraint makes the second of two racing writers fail rather than fork the chain.

    ``first``: the subject was created in this very transaction, so it has no events yet and
    the look-up of its last event is skipped (a hot path: every submission). Said wrongly, the
    unique (subject, sequence) constraint refuses the event.

    ``insert``: how the new event is written, when the caller writes its rows its own way
    (``core.rows.insert_row``: a submission's rows in one statement); by default it is
    saved.

    ``actor`` is any user-like object (its ``pk``, ``get_full_name()`` or ``username``, and
    ``role`` if it has one are copied), or None for the system. ``data`` takes JSON values
    except floats (see ``_check_json``).
    """
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(
            "record_event() must run inside transaction.atomic(), holding a lock on the subject"
        )
    subject_id = str(subject_id)
    texts = {
        "subject_type": subject_type,
        "subject_id": subject_id,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
    }
    for name, value in texts.items():
        if len(value) > _TEXT_LIMITS[name]:
            raise ValueError(f"audit {name} is longer than {_TEXT_LIMITS[name]} characters")
    if not subject_type or not subject_id or not action:
        raise ValueError("an audit event needs a subject type, a subject id and an action")
    payload_data = _normalise_data(data or {})
    actor_id, actor_name, actor_role = _describe_actor(actor)

    last = (
        None
        if first
        else AuditEvent.objects.filter(subject_type=subject_type, subject_id=subject_id)
        .order_by("-sequence")
        .values_list("sequence", "hash")
        .first()
    )
    sequence, prev_hash = (last[0] + 1, last[1]) if last is not None else (1, "")
    created_at = _now()
    event = AuditEvent(
        subject_type=subject_type,
        subject_id=subject_id,
        sequence=sequence,
        prev_hash=prev_hash,
        actor_id=actor_id,
        actor_name=actor_name,
        actor_role=actor_role,
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=payload_data,
        created_at=created_at,
    )
    event.hash = hash_of(event)
    if insert is None:
        event.save()
    else:
        insert(event)
    return event


def events_for(subject_type: str, subject_id: str | int) -> QuerySet[AuditEvent]:
    """One subject's events, oldest first (the citizen's timeline reads this)."""
    return AuditEvent.objects.filter(
        subject_type=subject_type, subject_id=str(subject_id)
    ).order_by("sequence")


def _lock_checkpoints() -> AuditCheckpoint | None:
    """Serialise checkpoint makers for the rest of the transaction; return the newest checkpoint.

    PostgreSQL: a transaction-level advisory lock (works before the first checkpoint exists,
    when there is no row to lock). SQLite: the IMMEDIATE transaction mode set in settings already
    serialises writers. Elsewhere: a row lock on the newest checkpoint.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHECKPOINT_LOCK_KEY])
        return AuditCheckpoint.objects.order_by("-id").first()
    return AuditCheckpoint.objects.select_for_update().order_by("-id").first()


def make_checkpoint(settle_seconds: int = DEFAULT_SETTLE_SECONDS) -> AuditCheckpoint | None:
    """Close the events recorded since the last checkpoint into a new one; None if none are new.

    Covers the events after the previous checkpoint's ``last_event_id``, in id order, up to (not
    including) the first one recorded less than ``settle_seconds`` ago. Ids are handed out at
    insert but become visible at commit, so a transaction still open may yet commit an id lower
    than ones already visible; waiting until events have settled keeps the checkpoint from
    closing a range over such an event. (``verify`` reports any event that arrives later still.)

    The hash is SHA-256 over the previous checkpoint's hash followed by each covered event's
    hash, all as hex text, in id order.
    """
    with transaction.atomic():
        previous = _lock_checkpoints()
        prev_hash = previous.hash if previous is not None else ""
        after = previous.last_event_id if previous is not None else 0
        settled_before = timezone.now() - dt.timedelta(seconds=settle_seconds)

        digest = hashlib.sha256(prev_hash.encode("ascii"))
        first_id: int | None = None
        last_id = 0
        count = 0
        rows = (
            AuditEvent.objects.filter(id__gt=after)
            .order_by("id")
            .values_list("id", "created_at", "hash")
        )
        for event_id, created_at, stored_hash in rows.iterator(chunk_size=_CHUNK):
            if created_at > settled_before:
                break
            digest.update(stored_hash.encode("ascii"))
            first_id = event_id if first_id is None else first_id
            last_id = event_id
            count += 1
        if first_id is None:
            return None
        return AuditCheckpoint.objects.create(
            created_at=_now(),
            first_event_id=first_id,
            last_event_id=last_id,
            event_count=count,
            prev_hash=prev_hash,
            hash=digest.hexdigest(),
        )


@dataclass
class VerifyResult:
    """What ``verify()`` found. ``problems`` is ordered: event problems by event id, then
    checkpoint problems by checkpoint id, so the first one is the earliest broken link."""

    events: int = 0
    subjects: int = 0
    checkpoints: int = 0
    covered_events: int = 0
    pending_events: int = 0  # newer than the last checkpoint: the next one will cover them
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0


class _Problems:
    """Keeps the ``limit`` earliest problems without holding every one of a badly broken log."""

    def __init__(self, limit: int) -> None:
        self.limit = max(limit, 1)
        self.count = 0
        self._kept: list[tuple[tuple[int, int], str]] = []

    def add(self, key: tuple[int, int], message: str) -> None:
        self.count += 1
        self._kept.append((key, message))
        if len(self._kept) > 2 * self.limit:
            self._trim()

    def _trim(self) -> None:
        self._kept.sort(key=lambda kept: kept[0])
        del self._kept[self.limit :]

    def messages(self) -> list[str]:
        self._trim()
        messages = [message for _key, message in self._kept]
        if self.count > len(messages):
            messages.append(f"... and {self.count - len(messages)} more problems")
        return messages


def _event_label(event_id: int, subject_type: str, subject_id: str, sequence: int) -> str:
    return f"{_EVENT_TABLE} id={event_id} ({subject_type} {subject_id}, sequence {sequence})"


def _verify_subject_chains(result: VerifyResult, problems: _Problems) -> None:
    # Subject by subject through the (subject, sequence) unique index: constant memory however
    # many subjects there are (id order would need every subject's last hash held at once).
    events = AuditEvent.objects.order_by("subject_type", "subject_id", "sequence")
    subject: tuple[str, str] | None = None
    expected_sequence = 1
    previous_hash = ""
    previous_id = 0
    for event in events.iterator(chunk_size=_CHUNK):
        result.events += 1
        if (event.subject_type, event.subject_id) != subject:
            subject = (event.subject_type, event.subject_id)
            result.subjects += 1
            expected_sequence, previous_hash, previous_id = 1, "", 0
        faults = []
        if hash_of(event) != event.hash:
            faults.append("its contents do not match its hash (changed after it was recorded)")
        if event.sequence != expected_sequence:
            missing = (
                str(expected_sequence)
                if event.sequence == expected_sequence + 1
                else f"{expected_sequence}..{event.sequence - 1}"
            )
            faults.append(f"sequence {missing} of this subject is missing (deleted)")
        elif event.prev_hash != previous_hash:
            faults.append(
                f"its prev_hash does not match the hash of {_EVENT_TABLE} id={previous_id}"
                if previous_id
                else "it is the subject's first event but has a prev_hash"
            )
        if faults:
            label = _event_label(event.pk, event.subject_type, event.subject_id, event.sequence)
            problems.add((0, event.pk), f"{label}: {'; '.join(faults)}")
        expected_sequence = event.sequence + 1
        previous_hash = event.hash
        previous_id = event.pk


def _verify_checkpoints(result: VerifyResult, problems: _Problems) -> None:
    # Fix the set of checkpoints first: every event a checkpoint covers was committed before it,
    # so the event query that starts afterwards sees all of them.
    newest = AuditCheckpoint.objects.order_by("-id").values_list("id", flat=True).first()
    if newest is None:
        result.pending_events = AuditEvent.objects.count()
        return
    checkpoints = AuditCheckpoint.objects.filter(id__lte=newest).order_by("id")
    rows: Iterator[tuple[int, str, str, str, int]] = iter(
        AuditEvent.objects.order_by("id")
        .values_list("id", "hash", "subject_type", "subject_id", "sequence")
        .iterator(chunk_size=_CHUNK)
    )
    row = next(rows, None)
    previous: AuditCheckpoint | None = None
    for checkpoint in checkpoints.iterator(chunk_size=_CHUNK):
        result.checkpoints += 1
        previous_hash = previous.hash if previous is not None else ""
        previous_last = previous.last_event_id if previous is not None else 0
        faults = []
        if checkpoint.prev_hash != previous_hash:
            faults.append(
                f"its prev_hash does not match the hash of {_CHECKPOINT_TABLE} id={previous.pk}"
                if previous is not None
                else "it is the first checkpoint but has a prev_hash"
            )
        if not previous_last < checkpoint.first_event_id <= checkpoint.last_event_id:
            faults.append(
                f"its event range {checkpoint.first_event_id}..{checkpoint.last_event_id} "
                f"does not follow the previous one's end ({previous_last})"
            )
        while row is not None and row[0] < checkpoint.first_event_id:
            if row[0] > previous_last:
                label = _event_label(row[0], row[2], row[3], row[4])
                problems.add(
                    (0, row[0]),
                    f"{label}: no checkpoint covers it, although {_CHECKPOINT_TABLE} "
                    f"id={checkpoint.pk} covers later events (inserted after that range closed)",
                )
            row = next(rows, None)
        # Recomputed from the predecessor's stored hash, so a changed prev_hash field shows as
        # a broken link above rather than as a second fault here.
        digest = hashlib.sha256(previous_hash.encode("ascii"))
        count = 0
        while row is not None and row[0] <= checkpoint.last_event_id:
            digest.update(row[1].encode("ascii"))
            count += 1
            row = next(rows, None)
        result.covered_events += count
        if count != checkpoint.event_count:
            faults.append(
                f"it covers {checkpoint.event_count} events but {count} are there now "
                "(events deleted or inserted late)"
            )
        if digest.hexdigest() != checkpoint.hash:
            faults.append("its hash does not match the events it covers")
        if faults:
            label = (
                f"{_CHECKPOINT_TABLE} id={checkpoint.pk} "
                f"(events {checkpoint.first_event_id}..{checkpoint.last_event_id})"
            )
            problems.add((1, checkpoint.pk), f"{label}: {'; '.join(faults)}")
        previous = checkpoint
    while row is not None:
        result.pending_events += 1
        row = next(rows, None)


def verify(max_problems: int = 100) -> VerifyResult:
    """Check every subject's chain and the checkpoint chain, streaming the log.

    Each event's hash is recomputed from its fields, its prev_hash must be the hash of the
    subject's previous event, and sequences must run 1..n without gaps. Each checkpoint is
    recomputed from the events in its id range and its predecessor's hash; an event inside the
    checkpointed part of the log that no checkpoint covers is reported too. Keeps the
    ``max_problems`` earliest problems (and counts the rest).
    """
    result = VerifyResult()
    problems = _Problems(max_problems)
    _verify_subject_chains(result, problems)
    _verify_checkpoints(result, problems)
    result.problems = problems.messages()
    result.problem_count = problems.count
    return result
