"""Delivery from the transactional outbox. A message row is written in the same transaction as
the event it reports; after commit a ``drain`` task delivers every pending message, a batch per
transaction. The row locks (``SKIP LOCKED``) and the status check make delivery happen at most
once per row; the sweeper re-sends what a crash or a provider's hiccup left pending.

One drain for many messages, rather than a task per message: under load a task per SMS cost the
worker a transaction and a commit (a disk flush) each, and every request a publish to the broker
(docs/performance.md). ``notify.services`` queues one drain per second at most (``queue_drain``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import time

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from pishkhan.core import outage
from pishkhan.core.retention import delete_in_batches

from .backends import SendError, SmsBackend, sms_backend
from .models import OutboxMessage, OutboxStatus

MAX_ATTEMPTS = 5
REDACTED = "[کد یک‌بارمصرف، پس از ارسال پاک شد]"


@shared_task(bind=True, max_retries=MAX_ATTEMPTS, default_retry_delay=30)  # type: ignore[untyped-decorator]
def deliver(self, message_id: int) -> str:  # type: ignore[no-untyped-def]
    outcome = deliver_now(message_id)
    if outcome == "retry":
        raise self.retry()
    return outcome


def deliver_now(message_id: int) -> str:
    """Send one outbox message if it is still pending; 'sent', 'skipped', 'failed' or 'retry'."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxStatus.PENDING)
            .first()
        )
        if message is None:
            return "skipped"  # already sent, or another worker has it now
        outcome = _send(message, sms_backend())
        message.save(update_fields=_SENT_FIELDS)
    return outcome


_SENT_FIELDS = ["attempts", "provider_id", "last_error", "status", "sent_at", "body"]
# Messages are drained by time slots of DRAIN_DELAY_SECONDS: the first message committed in a
# slot queues the slot's drain (WAKE_KEY:<slot> in Redis, added once across the processes), which
# starts DRAIN_MARGIN_SECONDS after the slot has ended, so it finds every message committed in
# the slot — and under load a hundred of them in one transaction rather than one each.
WAKE_KEY = "pishkhan:outbox:drain-queued"
WAKE_SECONDS = 60  # how long a slot's key is kept: far longer than any slot
DRAIN_BATCH = 100
DRAIN_DELAY_SECONDS = 1.0
# Web nodes and workers read different clocks; NTP keeps them within milliseconds of each other.
DRAIN_MARGIN_SECONDS = 0.25


class _Slots:
    """The last slot this process knows has its drain queued (by itself or another process).

    Knowing it, the process's later messages in the slot ask Redis nothing: one cache call per
    process per second instead of one per message (under load it was the submission's most
    expensive Redis round trip, docs/performance.md change 24)."""

    known: int | None = None


slots = _Slots()


def wake_key(slot: int) -> str:
    return f"{WAKE_KEY}:{slot}"


def _send(message: OutboxMessage, backend: SmsBackend) -> str:
    """Hand one locked pending message to the provider and note the outcome on it (unsaved)."""
    message.attempts += 1
    try:
        message.provider_id = backend.send(message.recipient, message.body)[:64]
    except SendError as exc:
        message.last_error = str(exc)[:300]
        if exc.permanent or message.attempts >= MAX_ATTEMPTS:
            message.status = OutboxStatus.FAILED
            return "failed"
        return "retry"
    message.status = OutboxStatus.SENT
    message.sent_at = timezone.now()
    if message.sensitive and backend.redacts_after_send:
        message.body = REDACTED
    return "sent"


@shared_task  # type: ignore[untyped-decorator]
def drain(batch_size: int = DRAIN_BATCH) -> int:
    """Deliver the pending messages, oldest first, ``batch_size`` per transaction; return how many
    were sent. A message the provider refused for now stays pending for the sweeper."""
    # Queued after its slot ended (queue_drain): every message of the slot is committed by now.
    sent = last_pk = 0
    backend = sms_backend()
    while True:
        with transaction.atomic():
            batch = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(status=OutboxStatus.PENDING, pk__gt=last_pk)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return sent
            sent += sum(_send(message, backend) == "sent" for message in batch)
            _save_outcomes(batch)
        last_pk = batch[-1].pk


_UPDATE_SQL = (
    f"UPDATE {OutboxMessage._meta.db_table} SET "
    + ", ".join(f"{name} = %s" for name in _SENT_FIELDS)  # plain fields: column = name
    + " WHERE id = %s"
)


def _save_outcomes(batch: list[OutboxMessage]) -> None:
    # One statement run for every row (psycopg sends them in one pipeline): bulk_update's CASE
    # expressions cost the worker more CPU than sending the messages.
    rows = []
    for message in batch:
        values = [getattr(message, name) for name in _SENT_FIELDS]
        values[_SENT_FIELDS.index("sent_at")] = connection.ops.adapt_datetimefield_value(
            message.sent_at
        )
        rows.append([*values, message.pk])
    with connection.cursor() as cursor:
        cursor.executemany(_UPDATE_SQL, rows)


def queue_drain() -> None:
    """Make sure a drain will run after this message's commit (the caller's commit callback).

    In production, per time slot (the constants above): the first message of a slot, in any
    process, queues the slot's drain to start just after the slot ends; the slot's later messages
    know it is queued (the cache's ``add`` failed, or this process remembers) and queue nothing.
    A drain that started before a message's commit cannot have been queued for its slot, so
    nothing waits for the sweeper. In the embedded default (tasks run eagerly, no broker) the
    drain runs here and now, for each message.

    Without Redis (the slot's key and the broker, decision 61) nothing is queued and the message
    stays pending in the outbox: the sweeper (``deliver_pending``, every minute by Celery beat)
    queues a drain once the broker answers again. The caller's request is not failed for it."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        drain.apply_async()
        return
    now = time.time()
    slot = int(now // DRAIN_DELAY_SECONDS)
    if slot == slots.known:
        return
    try:
        queued = cache.add(wake_key(slot), "1", WAKE_SECONDS)
    except outage.ERRORS:
        outage.warn("text message wake-ups (the sweeper sends)")
        return
    if queued:
        try:
            drain.apply_async(
                countdown=(slot + 1) * DRAIN_DELAY_SECONDS - now + DRAIN_MARGIN_SECONDS
            )
        except outage.QUEUE_ERRORS as exc:
            outage.failed("text message wake-ups (the sweeper sends)", exc)
            # So that the slot's next message tries again.
            with contextlib.suppress(*outage.ERRORS):
                cache.delete(wake_key(slot))
            return
    # Queued here, or by another process (which, if the broker refused it, removed the key: this
    # process's later messages of the slot then wait for the sweeper, as without Redis).
    slots.known = slot


@shared_task  # type: ignore[untyped-decorator]
def deliver_pending(older_than_seconds: int = 60) -> int:
    """The sweeper: messages whose drain was lost (a crash after commit) or that the provider
    refused for a while. Returns how many were waiting."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    waiting = OutboxMessage.objects.filter(
        status=OutboxStatus.PENDING, created_at__lt=cutoff, attempts__lt=MAX_ATTEMPTS
    ).count()
    if waiting:
        drain.delay()
    return waiting


def prune_text_messages(now: dt.datetime) -> int:
    """Sent and failed messages (a mobile number and what was said to it) after
    PISHKHAN_KEEP_TEXT_MESSAGES_DAYS; a pending one is never pruned. What happened to a request
    stays in its audit events; run daily by core.retention."""
    cutoff = now - dt.timedelta(days=settings.PISHKHAN_KEEP_TEXT_MESSAGES_DAYS)
    return delete_in_batches(
        OutboxMessage.objects.filter(
            status__in=[OutboxStatus.SENT, OutboxStatus.FAILED], created_at__lt=cutoff
        )
    )
