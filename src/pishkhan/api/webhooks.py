"""Webhooks: an agency's system is told, within seconds, that a request in its scope changed
state, instead of asking the queue over and over (docs/api.md, "Webhooks"; decision 39).

* **Nothing lost, nothing invented.** A workflow listener writes one ``WebhookDelivery`` per
  matching webhook in the transaction of the change (with the submission's other rows, in one
  statement on PostgreSQL: ``core.rows``). A change that rolls back leaves no delivery; one that
  commits keeps its delivery until the receiver says 2xx or the attempts run out.
* **Thin events.** A delivery says which request changed, from which state to which, by which
  step — no name, national code or form data. The receiver reads the request through the agency
  API with its own token, so a leaked or misdirected delivery tells nothing about a person.
* **Signed.** ``Pishkhan-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`` with
  the webhook's secret, as Stripe signs: the receiver checks it and refuses old timestamps.
* **At least once.** A worker leases due deliveries (``SKIP LOCKED``), posts them outside any
  transaction and records the outcome; a worker that dies mid-way leaves the lease to expire and
  the delivery is sent again. Receivers drop repeats by ``Pishkhan-Delivery`` (the delivery id).
  Failures are retried with exponential backoff (30 s doubling, at most 6 h apart) up to
  ``MAX_ATTEMPTS``, then marked failed; the admin can send them again.

Which webhooks a change concerns is decided from each client's scope, as ``visible_to`` decides
it for the client's service account: an agency's client hears its agency and the agency's child
agencies, in its province or nationwide; an office's client hears its own office's requests.
The list is kept per process for ``TARGETS_SECONDS``: a submission pays no query for it, and a
webhook made in another process is heard within that many seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from pishkhan.catalog.models import Agency, Service
from pishkhan.core import outage
from pishkhan.core.rows import insert_row
from pishkhan.workflow.events import StateChange, register

from .models import (
    WEBHOOK_URL_MAX_LENGTH,
    ApiClient,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
)

SUBJECT = "service_request"
EVENT = "request.state_changed"
PING = "ping"
MAX_ATTEMPTS = 10
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 6 * 3600
LEASE_SECONDS = 120  # longer than a batch can take: BATCH x the timeout
BATCH = 20
TARGETS_SECONDS = 10.0
WAKE_KEY = "pishkhan:webhooks:delivery-queued"
WAKE_SECONDS = 60
USER_AGENT = "Pishkhan-Webhooks/1"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    webhook_id: int
    agency_ids: frozenset[int]
    province_id: int | None  # None: nationwide
    office_id: int | None = None  # an office's client: that office's requests, whatever agency

    def covers(self, request: Any) -> bool:
        if self.office_id is not None:
            return bool(request.office_id == self.office_id)
        return request.agency_id in self.agency_ids and self.province_id in (
            None,
            request.province_id,
        )


_targets: list[tuple[float, list[Target]]] = []


def forget(**_: Any) -> None:
    """Drop the kept list of webhooks (a signal receiver: a webhook or client changed here)."""
    _targets.clear()


def targets() -> list[Target]:
    """The active webhooks with the scope each listens to; read at most every TARGETS_SECONDS."""
    now = time.monotonic()
    if _targets and _targets[0][0] > now:
        return _targets[0][1]
    hooks = list(
        Webhook.objects.filter(
            is_active=True, client__is_active=True, client__user__is_active=True
        ).values_list(
            "pk", "client__user__agency_id", "client__user__province_id", "client__user__office_id"
        )
    )
    children: dict[int, set[int]] = {}
    if any(agency is not None for _, agency, _, _ in hooks):
        for child, parent in Agency.objects.filter(parent__isnull=False).values_list(
            "pk", "parent_id"
        ):
            children.setdefault(parent, set()).add(child)
    kept = []
    for pk, agency, province, office in hooks:
        if agency is not None:
            kept.append(Target(pk, frozenset({agency, *children.get(agency, ())}), province))
        elif office is not None:
            kept.append(Target(pk, frozenset(), None, office))
        # A client with neither (its user's agency or office was removed) hears nothing.
    _targets[:] = [(now + TARGETS_SECONDS, kept)]
    return kept


post_save.connect(forget, sender=Webhook, dispatch_uid="api-webhooks-forget-save")
post_delete.connect(forget, sender=Webhook, dispatch_uid="api-webhooks-forget-delete")
post_save.connect(forget, sender=ApiClient, dispatch_uid="api-webhooks-forget-client")


@register
def note_change(change: StateChange) -> None:
    """A state change of a request: a delivery for each webhook whose scope holds it."""
    if change.subject_type != SUBJECT:
        return
    request = change.subject
    matching = [t for t in targets() if t.covers(request)]
    if not matching:
        return
    payloads: dict[bool, dict[str, Any]] = {}  # by "the client is an office's"
    for target in matching:
        for_office = target.office_id is not None
        if for_office not in payloads:
            payloads[for_office] = request_event(change, for_office=for_office)
        insert_row(
            WebhookDelivery(webhook_id=target.webhook_id, event=EVENT, payload=payloads[for_office])
        )
    transaction.on_commit(_schedule)


def request_event(change: StateChange, *, for_office: bool = False) -> dict[str, Any]:
    """The event's body; its ``url`` is where the client reads the request with its token: the
    office API for an office's client, the agency API for an agency's."""
    request = change.subject
    service = request._state.fields_cache.get("service")
    code = service.code if service is not None else _service_code(request.service_id)
    at = change.at or timezone.now()
    return {
        "type": EVENT,
        "at": at.isoformat(),
        "request": {
            "tracking_code": request.tracking_code,
            "service": code,
            "channel": request.channel,
            "action": change.action,
            "from_state": change.from_state,
            "state": change.to_state,
            "version": request.version,
            "url": f"{settings.PISHKHAN_SITE_URL}/api/v1/{'office' if for_office else 'agency'}"
            f"/requests/{request.tracking_code}/",
        },
    }


def _service_code(service_id: int) -> str:
    return str(Service.objects.values_list("code", flat=True).get(pk=service_id))


def check_url(url: str) -> str:
    """The address as it will be stored; ValueError saying what is wrong with it."""
    url = url.strip()
    validator = URLValidator(schemes=["https", "http"])
    try:
        validator(url)
    except ValidationError:
        raise ValueError(f"Not a web address: {url!r}.") from None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "http" and not settings.PISHKHAN_WEBHOOK_ALLOW_HTTP:
        raise ValueError(
            "The address must be https: deliveries carry requests' codes "
            "(http is allowed only with PISHKHAN_WEBHOOK_ALLOW_HTTP=1, for development)."
        )
    if parts.username or parts.password:
        raise ValueError("Put no user name or password in the address; deliveries are signed.")
    if len(url) > WEBHOOK_URL_MAX_LENGTH:
        raise ValueError("The address is too long.")
    return url


# --- sending --------------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Pishkhan-Signature`` header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A receiver that redirects is misconfigured; following would re-send the body elsewhere.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str


def post(webhook: Webhook, delivery_id: int | str, event: str, data: dict[str, Any]) -> Outcome:
    """POST one event to the webhook's address, signed; what came back."""
    body = json.dumps({"id": delivery_id, **data}, ensure_ascii=False).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Pishkhan-Event": event,
            "Pishkhan-Delivery": str(delivery_id),
            "Pishkhan-Signature": signature(webhook.secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=settings.PISHKHAN_WEBHOOK_TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        return Outcome(False, exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Outcome(False, None, f"unreachable: {reason}"[:300])
    if 200 <= status < 300:
        return Outcome(True, status, "")
    return Outcome(False, status, f"HTTP {status}")


def ping(webhook: Webhook) -> Outcome:
    """A signed test event, sent now (``pishkhan api-client webhook`` does on setting one)."""
    data = {"type": PING, "client": webhook.client.name}
    return post(webhook, f"ping-{int(time.time())}", PING, data)


def retry_delay(attempts: int) -> dt.timedelta:
    """How long after its ``attempts``-th failure a delivery is tried again."""
    seconds = FIRST_RETRY_SECONDS * 2 ** (attempts - 1)
    return dt.timedelta(seconds=min(seconds, MAX_RETRY_SECONDS))


def _lease(batch: int) -> list[WebhookDelivery]:
    """Due deliveries, leased to this worker: others skip them until the lease ends."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return []
        WebhookDelivery.objects.filter(pk__in=ids).update(
            next_attempt_at=now + dt.timedelta(seconds=LEASE_SECONDS)
        )
    return list(
        WebhookDelivery.objects.filter(pk__in=ids)
        .select_related("webhook__client__user")
        .order_by("pk")
    )


def _record(delivery: WebhookDelivery, outcome: Outcome, *, final: bool = False) -> str:
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    if outcome.ok:
        delivery.status, delivery.delivered_at = DeliveryStatus.SENT, now
    elif final or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery.save(
        update_fields=[
            "attempts",
            "last_status_code",
            "last_error",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    return str(delivery.status)


def deliver_due(batch: int = BATCH, seconds: float | None = None) -> dict[str, int]:
    """Send every due delivery, ``batch`` leased at a time; how many ended in each status.
    ``seconds``: lease no new batch after that long (the rest wait for the next run)."""
    counts = {"sent": 0, "pending": 0, "failed": 0}
    until = None if seconds is None else time.monotonic() + seconds
    while (until is None or time.monotonic() < until) and (leased := _lease(batch)):
        for delivery in leased:
            hook = delivery.webhook
            client = hook.client
            if hook.is_active and client.is_active and client.user.is_active:
                outcome = post(hook, delivery.pk, delivery.event, delivery.payload)
                counts[_record(delivery, outcome)] += 1
            else:
                # Switched off since the change: its events are not the receiver's to hear now.
                off = Outcome(False, None, "the webhook or its client is switched off")
                counts[_record(delivery, off, final=True)] += 1
    return counts


def _schedule() -> None:
    """After a commit that wrote deliveries: queue a delivery run unless one is waiting. Trouble
    here must not reach the person whose step committed; the periodic run covers it (every 30 s
    by Celery beat), also when Redis, the flag's cache and the broker, is down (decision 61)."""
    from .tasks import deliver_webhooks

    try:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # The embedded default has no worker: the run happens in this request, so it sends
            # only a few and stops early for a receiver that does not answer.
            deliver_due(batch=5, seconds=settings.PISHKHAN_WEBHOOK_TIMEOUT)
        elif cache.add(WAKE_KEY, "1", WAKE_SECONDS):
            deliver_webhooks.delay()
    except outage.QUEUE_ERRORS as exc:
        if settings.CELERY_TASK_ALWAYS_EAGER:  # a receiver's trouble, not Redis's
            logger.exception("could not deliver webhooks")
        else:
            outage.failed("webhook wake-ups (the periodic run sends)", exc)
    except Exception:  # pragma: no cover - logged; the periodic run sends it
        logger.exception("could not queue webhook deliveries")
