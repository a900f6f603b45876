"""Webhook deliveries (``api.webhooks``): a run after each commit that wrote some, and the
periodic one that sends what a backoff made wait, or a lost run left behind."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from pishkhan.core import outage
from pishkhan.core.retention import delete_in_batches

from . import webhooks
from .models import DeliveryStatus, WebhookDelivery


@shared_task  # type: ignore[untyped-decorator]
def deliver_webhooks() -> dict[str, int]:
    # Cleared before reading: a delivery committed from here on queues the next run itself,
    # and one committed before is seen by the reads below.
    try:
        cache.delete(webhooks.WAKE_KEY)
    except outage.ERRORS:  # the flag expires by itself
        outage.warn("webhook wake-ups")
    return webhooks.deliver_due()


def prune_webhook_deliveries(now: dt.datetime | None = None) -> int:
    """Forget deliveries sent more than PISHKHAN_KEEP_WEBHOOK_DELIVERIES_DAYS ago (failed ones stay
    for the admin, who sends them again or removes them). Run daily by core.retention."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PISHKHAN_KEEP_WEBHOOK_DELIVERIES_DAYS)
    return delete_in_batches(
        WebhookDelivery.objects.filter(status=DeliveryStatus.SENT, delivered_at__lt=cutoff)
    )
