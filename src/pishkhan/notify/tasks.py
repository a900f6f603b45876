"""Delivery from the transactional outbox. A message row is written in the same transaction as
the event it reports; after commit a ``drain`` task delivers every pending message, a batch per
transaction. The row locks (``SKIP LOCKED``) and the status check make delivery happen at most
once per row; the sweeper re-sends what a crash or a provider's hiccup left pending.

One drain for many messages, rather than a task per message: under load a task per SMS cost the
worker a transaction and a commit (a disk flush) each, and every request a publish to the broker
(docs/performance.md). ``notify.services`` queues a drain only when none is waiting."""

from __future__ import annotations

import contextlib
import datetime as dt

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
WAKE_KEY = "pishkhan:outbox:drain-queued"
WAKE_SECONDS = 60  # a lost drain task blocks new ones no longer than this (the sweeper covers)
DRAIN_BATCH = 100
DRAIN_DELAY_SECONDS = 1.0


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
    # Cleared before reading: a message committed from here on queues the next drain itself,
    # and one committed before is seen by the reads below. A flag Redis would not clear expires.
    try:
        cache.delete(WAKE_KEY)
    except outage.ERRORS:
        outage.warn("text message wake-ups")
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
    """Queue a drain unless one is already waiting (one cache call per message). The drain
    starts DRAIN_DELAY_SECONDS later, so that under load it finds many messages to send in one
    transaction instead of one; a second is nothing next to an SMS's own way to the phone.

    Without Redis (the flag's cache and the broker, decision 61) nothing is queued and the message
    stays pending in the outbox: the sweeper (``deliver_pending``, every minute by Celery beat)
    queues a drain once the broker answers again. The caller's request is not failed for it."""
    try:
        queued = cache.add(WAKE_KEY, "1", WAKE_SECONDS)
    except outage.ERRORS:
        outage.warn("text message wake-ups (the sweeper sends)")
        return
    if not queued:
        return
    try:
        drain.apply_async(countdown=DRAIN_DELAY_SECONDS)
    except outage.QUEUE_ERRORS as exc:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise  # the drain ran here (no broker): its own trouble, not Redis's
        outage.failed("text message wake-ups (the sweeper sends)", exc)
        # So that the next message tries again, rather than waiting for the flag to expire.
        with contextlib.suppress(*outage.ERRORS):
            cache.delete(WAKE_KEY)


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
