"""Delivery from the transactional outbox. A message row is written in the same transaction as
the event it reports; after commit a task delivers it. The row lock and the status check make
delivery happen at most once per row; the sweeper re-sends what a crash left pending."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .backends import SendError, sms_backend
from .models import OutboxMessage, OutboxStatus

MAX_ATTEMPTS = 5
REDACTED = "[کد یک‌بارمصرف، پس از ارسال پاک شد]"


@shared_task(bind=True, max_retries=MAX_ATTEMPTS, default_retry_delay=30)
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
        backend = sms_backend()
        message.attempts += 1
        try:
            message.provider_id = backend.send(message.recipient, message.body)[:64]
        except SendError as exc:
            message.last_error = str(exc)[:300]
            if exc.permanent or message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxStatus.FAILED
            message.save(update_fields=["attempts", "last_error", "status"])
            return "failed" if message.status == OutboxStatus.FAILED else "retry"
        message.status = OutboxStatus.SENT
        message.sent_at = timezone.now()
        if message.sensitive and backend.redacts_after_send:
            message.body = REDACTED
        message.save(update_fields=["attempts", "provider_id", "status", "sent_at", "body"])
    return "sent"


@shared_task
def deliver_pending(older_than_seconds: int = 60) -> int:
    """The sweeper: messages whose delivery task was lost (a crash after commit)."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    ids = list(
        OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, created_at__lt=cutoff
        ).values_list("pk", flat=True)[:500]
    )
    for message_id in ids:
        deliver.delay(message_id)
    return len(ids)
