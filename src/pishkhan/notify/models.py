"""The notification outbox: messages written in the same transaction as the event they report,
so a crash never loses one or sends one for a change that did not happen. Delivery (SMS through a
provider, a Celery task) reads from here."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    channel = models.CharField(_("channel"), max_length=10, default="sms")
    recipient = models.CharField(_("recipient"), max_length=120)
    body = models.TextField(_("text"))
    # What the message is about, e.g. ("service_request", "123"), for support and de-duplication.
    subject_type = models.CharField(_("about (kind)"), max_length=40, blank=True)
    subject_id = models.CharField(_("about (id)"), max_length=40, blank=True)
    event = models.CharField(_("event"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    # A one-time code: its text is blanked once a real provider has taken it.
    sensitive = models.BooleanField(_("sensitive"), default=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    provider_id = models.CharField(_("provider's message id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [models.Index(fields=["status", "id"], name="outbox_pending")]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}: {self.body[:40]}"
