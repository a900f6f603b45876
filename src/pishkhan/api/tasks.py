"""Webhook deliveries (``api.webhooks``): a run after each commit that wrote some, and the
periodic one that sends what a backoff made wait, or a lost run left behind."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from . import webhooks
from .models import DeliveryStatus, WebhookDelivery

KEEP_SENT_DAYS = 30


@shared_task  # type: ignore[untyped-decorator]
def deliver_webhooks() -> dict[str, int]:
    # Cleared before reading: a delivery committed from here on queues the next run itself,
    # and one committed before is seen by the reads below.
    cache.delete(webhooks.WAKE_KEY)
    return webhooks.deliver_due()


@shared_task  # type: ignore[untyped-decorator]
def prune_webhook_deliveries(days: int = KEEP_SENT_DAYS) -> int:
    """Forget deliveries sent more than ``days`` ago (failed ones stay for the admin)."""
    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted, _ = WebhookDelivery.objects.filter(
        status=DeliveryStatus.SENT, delivered_at__lt=cutoff
    ).delete()
    return deleted
