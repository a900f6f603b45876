"""Credentials of other systems (an agency's back office) on the API.

A client acts as its own service account: a ``User`` with an agency role and scope, so what it
may see and do is decided where it is decided for people (``ServiceRequest.objects.visible_to``,
the workflow's roles), and the audit log names it as it names an officer. Its token is shown
once, when made, and kept only as a SHA-256 hash: a copy of the database gives no one access.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX_LENGTH = 8
WEBHOOK_URL_MAX_LENGTH = 500
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")  # what secrets.token_urlsafe makes


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiClientQuerySet(models.QuerySet["ApiClient"]):
    def for_token(self, token: str) -> ApiClient | None:
        """The active client whose token this is, or None (compared in constant time)."""
        if not TOKEN_SHAPE.fullmatch(token):
            return None  # never a query with whatever was sent (NUL would be an error there)
        prefix = token[:TOKEN_PREFIX_LENGTH]
        client = self.filter(prefix=prefix, is_active=True).select_related("user").first()
        if client is None or not hmac.compare_digest(client.secret_hash, token_hash(token)):
            return None
        if not client.user.is_active:
            return None
        return client


class ApiClient(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_client",
        verbose_name=_("service account"),
    )
    prefix = models.CharField(_("token prefix"), max_length=TOKEN_PREFIX_LENGTH, unique=True)
    secret_hash = models.CharField(_("token hash (SHA-256)"), max_length=64)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def new_token(self) -> str:
        """Give the client a new token (the old one stops working) and return it: the only time
        it is seen. The caller saves."""
        while True:
            token = secrets.token_urlsafe(32)  # 43 characters, 256 random bits
            prefix = token[:TOKEN_PREFIX_LENGTH]
            if not ApiClient.objects.filter(prefix=prefix).exclude(pk=self.pk).exists():
                break
        self.prefix = prefix
        self.secret_hash = token_hash(token)
        return token


class Webhook(models.Model):
    """Where an agency's system wants to hear that a request in its scope changed (docs/api.md,
    "Webhooks"). One per client. The secret signs each delivery; unlike a token it must be kept
    readable, since the platform computes the signature with it (decision 39)."""

    client = models.OneToOneField(
        ApiClient, on_delete=models.CASCADE, related_name="webhook", verbose_name=_("API client")
    )
    url = models.URLField(_("address"), max_length=WEBHOOK_URL_MAX_LENGTH)
    secret = models.CharField(_("signing secret"), max_length=80)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return f"{self.client.name} → {self.url}"

    def new_secret(self) -> str:
        self.secret = "whsec_" + secrets.token_urlsafe(32)
        return self.secret


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one webhook: written in the transaction of the change it reports (an
    outbox), so a change is never reported that did not commit, and never lost once it did."""

    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook")
    )
    event = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When it may be tried next: a backoff after a failure, or a lease while a worker sends it.
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="api_delivery_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk} ({self.status})"
