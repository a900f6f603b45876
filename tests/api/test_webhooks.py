"""Webhooks: an agency's system hears of every state change of a request in its scope, through
an outbox written in the change's transaction, signed, retried with backoff, at least once.
A real HTTP server on loopback receives the deliveries."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pishkhan.accounts.models import User
from pishkhan.api import tasks, webhooks
from pishkhan.api.models import ApiClient, DeliveryStatus, Webhook, WebhookDelivery
from pishkhan.cases.demo import sample_values
from pishkhan.cases.services import submit
from pishkhan.catalog.models import Agency, Channel, Service
from pishkhan.offices.models import Office
from tests.api.test_agency import QUEUE, create
from tests.cases.conftest import uploads_for
from tests.conftest import celery_worker, wait_for

pytestmark = pytest.mark.django_db


class Receiver:
    """An agency's system on loopback: records what it is sent, answers ``statuses`` in turn
    (then 200)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if status in (301, 302, 307):
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pishkhan/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.received]


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture(autouse=True)
def _webhooks(settings):
    settings.PISHKHAN_WEBHOOK_ALLOW_HTTP = True
    settings.PISHKHAN_WEBHOOK_TIMEOUT = 2
    settings.CELERY_TASK_ALWAYS_EAGER = True
    webhooks.forget()
    yield
    webhooks.forget()
    # A test that runs as production does (no eager tasks) leaves the "run queued" flag set,
    # with nothing to clear it: the next test's deliveries would wait for it.
    cache.delete(webhooks.WAKE_KEY)


def set_webhook(name: str, url: str) -> tuple[str, str]:
    """``pishkhan api-client webhook``: its output and the secret it printed."""
    out = io.StringIO()
    call_command("api_client", "webhook", name, url, stdout=out)
    secret = re.search(r"Signing secret \(shown once[^:]*\): (\S+)", out.getvalue()).group(1)
    return out.getvalue(), secret


@pytest.fixture
def hooked(receiver):
    """NOCR's Tehran back office, with its webhook at the receiver; returns the secret."""
    token = create("NOCR Tehran back office", "--agency", "nocr", "--province", "23")
    output, secret = set_webhook("NOCR Tehran back office", receiver.url)
    assert "Ping answered: HTTP 200" in output
    receiver.received.clear()  # the ping
    return {"secret": secret, "token": token}


def file_at(licence_number="23-1001", code="nocr-birth-certificate-duplicate", **extra):
    office = Office.objects.get(licence_number=licence_number)
    service = Service.objects.get(code=code)
    citizen = User.objects.get(username="9990000018")
    request, _ = submit(
        service=service,
        citizen=citizen,
        channel=Channel.OFFICE,
        actor=office.staff.filter(role__in=["office_operator", "office_manager"]).first(),
        office=office,
        form_values=sample_values(service, citizen),
        uploads=uploads_for(service),
        **extra,
    )
    return request


def verify(secret: str, delivered: dict) -> bool:
    """What a receiver does with the signature header (docs/api.md shows it in Python)."""
    fields = dict(
        part.split("=", 1) for part in delivered["headers"]["Pishkhan-Signature"].split(",")
    )
    signed = fields["t"].encode() + b"." + delivered["body"]
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


def test_setting_a_webhook_pings_it_signed_and_shows_the_secret_once(receiver):
    create("NOCR Tehran back office", "--agency", "nocr", "--province", "23")
    _, secret = set_webhook("NOCR Tehran back office", receiver.url)
    (ping,) = receiver.received
    assert ping["headers"]["Pishkhan-Event"] == "ping"
    assert json.loads(ping["body"])["client"] == "NOCR Tehran back office"
    assert verify(secret, ping)
    assert not verify(secret + "x", ping)
    assert secret.startswith("whsec_") and len(secret) > 40
    listing = io.StringIO()
    call_command("api_client", "list", stdout=listing)
    assert receiver.url in listing.getvalue() and secret not in listing.getvalue()
    # Setting it again replaces the secret: the way to rotate it.
    _, second = set_webhook("NOCR Tehran back office", receiver.url)
    assert second != secret and Webhook.objects.get().secret == second


def test_a_submission_in_scope_is_delivered_signed_after_commit(
    hooked, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = file_at()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("sent", 1, 200)
    assert delivery.delivered_at is not None
    (got,) = receiver.received
    assert got["path"] == "/pishkhan/events"
    headers = got["headers"]
    assert headers["Pishkhan-Event"] == "request.state_changed"
    assert headers["Pishkhan-Delivery"] == str(delivery.pk)
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert verify(hooked["secret"], got)
    event = json.loads(got["body"])
    assert event["id"] == delivery.pk and event["type"] == "request.state_changed"
    assert event["request"] == {
        "tracking_code": request.tracking_code,
        "service": "nocr-birth-certificate-duplicate",
        "channel": "office",
        "action": "submit",
        "from_state": "",
        "state": "submitted",
        "version": 1,
        "url": f"http://127.0.0.1:8000/api/v1/agency/requests/{request.tracking_code}/",
    }
    # Thin: nothing about the person.
    citizen = request.citizen
    for personal in (citizen.national_code, citizen.mobile, citizen.last_name):
        assert personal not in got["body"].decode()


def test_the_clients_steps_are_delivered_too_and_the_event_leads_to_the_request(
    hooked, receiver, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = file_at()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {hooked['token']}"
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            f"{QUEUE}{request.tracking_code}/actions/",
            {"action": "start_review", "version": 1},
            "application/json",
        )
    assert answer.status_code == 200
    submitted, started = receiver.events()
    assert submitted["request"]["state"] == "submitted"
    assert started["request"]["action"] == "start_review"
    assert (started["request"]["from_state"], started["request"]["state"]) == (
        "submitted",
        "in_review",
    )
    assert started["request"]["version"] == 2
    # The receiver reads the request through the agency API with its token.
    path = started["request"]["url"].removeprefix("http://127.0.0.1:8000")
    assert client.get(path).json()["state"] == "in_review"


def test_nothing_is_delivered_outside_the_clients_scope(hooked, receiver):
    file_at(licence_number="07-3001")  # another province
    file_at(code="abfa-water-connection")  # another agency, in Tehran
    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []


def test_a_child_agencys_requests_reach_the_parents_client(hooked):
    service = Service.objects.get(code="abfa-water-connection")
    child = service.agency
    child.parent = Agency.objects.get(code="nocr")
    child.save()
    webhooks.forget()  # another process would see it within TARGETS_SECONDS
    file_at(code="abfa-water-connection")
    assert WebhookDelivery.objects.get().payload["request"]["service"] == "abfa-water-connection"


def test_a_national_client_hears_every_province(receiver):
    create("NOCR national", "--agency", "nocr")
    set_webhook("NOCR national", receiver.url)
    file_at()
    file_at(licence_number="07-3001")
    assert WebhookDelivery.objects.count() == 2


def test_a_rolled_back_change_leaves_no_delivery(hooked, receiver):
    with pytest.raises(RuntimeError), transaction.atomic():
        file_at()
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("the transaction fails after the listener ran")
    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []


def test_a_failing_receiver_gets_it_again_after_a_backoff(hooked, receiver):
    receiver.statuses = [500, 503]
    file_at()
    before = timezone.now()
    assert webhooks.deliver_due() == {"sent": 0, "pending": 1, "failed": 0}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.last_error == "HTTP 500"
    wait = delivery.next_attempt_at - before
    assert dt.timedelta(seconds=29) < wait < dt.timedelta(seconds=32)
    # Not due yet: nothing is sent.
    assert webhooks.deliver_due() == {"sent": 0, "pending": 0, "failed": 0}
    assert len(receiver.received) == 1
    # Due: the second try fails too and waits twice as long; the third is received.
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    webhooks.deliver_due()
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at - timezone.now() > dt.timedelta(
        seconds=59
    )
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert webhooks.deliver_due() == {"sent": 1, "pending": 0, "failed": 0}
    assert len(receiver.received) == 3
    # The same delivery id each time: the receiver drops repeats by it.
    assert {r["headers"]["Pishkhan-Delivery"] for r in receiver.received} == {str(delivery.pk)}


def test_backoff_doubles_up_to_six_hours_and_then_it_fails():
    assert [webhooks.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert webhooks.retry_delay(20) == dt.timedelta(hours=6)


def test_after_the_last_attempt_it_is_marked_failed(hooked, receiver):
    file_at()
    WebhookDelivery.objects.update(attempts=webhooks.MAX_ATTEMPTS - 1)
    receiver.statuses = [404]
    assert webhooks.deliver_due() == {"sent": 0, "pending": 0, "failed": 1}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == ("failed", 404)
    assert webhooks.deliver_due() == {"sent": 0, "pending": 0, "failed": 0}


def test_an_unreachable_receiver_and_a_redirect_are_failures_to_retry(hooked, receiver):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    Webhook.objects.update(url=f"http://127.0.0.1:{port}/gone")
    file_at()
    webhooks.deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.last_error.startswith("unreachable")
    assert delivery.last_status_code is None
    # A redirect is not followed (it would post the event somewhere else).
    Webhook.objects.update(url=receiver.url)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    receiver.statuses = [302]
    webhooks.deliver_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)
    assert len(receiver.received) == 1


def test_a_switched_off_webhook_or_client_is_sent_nothing(hooked, receiver):
    file_at()
    ApiClient.objects.update(is_active=False)  # revoked after the change
    assert webhooks.deliver_due() == {"sent": 0, "pending": 0, "failed": 1}
    assert receiver.received == []
    assert "switched off" in WebhookDelivery.objects.get().last_error
    # And its scope hears of no new change.
    webhooks.forget()
    file_at()
    assert WebhookDelivery.objects.count() == 1


def test_a_leased_delivery_is_not_taken_by_a_second_worker(hooked):
    file_at()
    first = webhooks._lease(10)
    assert [d.pk for d in first] == list(WebhookDelivery.objects.values_list("pk", flat=True))
    assert webhooks._lease(10) == []  # leased for LEASE_SECONDS: a dead worker's comes back
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert len(webhooks._lease(10)) == 1


def test_other_processes_hear_of_a_new_webhook_within_the_kept_seconds(receiver, monkeypatch):
    client = ApiClient.objects.get(
        pk=ApiClient.objects.create(
            name="X",
            user=User.objects.create(
                username="api-x", role="agency_officer", agency=Agency.objects.get(code="nocr")
            ),
            prefix="abcdefgh",
            secret_hash="0" * 64,
        ).pk
    )
    assert webhooks.targets() == []
    clock = [webhooks.time.monotonic()]
    monkeypatch.setattr(webhooks.time, "monotonic", lambda: clock[0])
    # Made "elsewhere": a bulk insert sends no signal to this process.
    Webhook.objects.bulk_create([Webhook(client=client, url=receiver.url, secret="s")])
    assert webhooks.targets() == []
    clock[0] += webhooks.TARGETS_SECONDS + 0.1
    assert [t.province_id for t in webhooks.targets()] == [None]


def test_a_webhook_costs_a_submission_no_query_on_postgresql(hooked):
    file_at()  # the kept list of webhooks is read once per TARGETS_SECONDS
    with CaptureQueriesContext(connection) as with_webhook:
        file_at()
    Webhook.objects.all().delete()
    file_at()
    with CaptureQueriesContext(connection) as without:
        file_at()
    extra = 0 if connection.vendor == "postgresql" else 1  # its row, in the same statement
    assert len(with_webhook) == len(without) + extra
    assert WebhookDelivery.objects.count() == 0  # removed with their webhook


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "Not a web address"),
        ("ftp://example.org/x", "Not a web address"),
        ("https://user:pw@example.org/x", "no user name or password"),
        ("https://example.org/" + "x" * 500, "too long"),
    ],
)
def test_bad_addresses_are_refused_with_the_reason(url, message):
    create("NOCR Tehran back office", "--agency", "nocr", "--province", "23")
    with pytest.raises(CommandError, match=message):
        set_webhook("NOCR Tehran back office", url)
    assert not Webhook.objects.exists()


def test_plain_http_needs_the_development_setting(settings):
    settings.PISHKHAN_WEBHOOK_ALLOW_HTTP = False
    create("NOCR Tehran back office", "--agency", "nocr", "--province", "23")
    with pytest.raises(CommandError, match="must be https"):
        set_webhook("NOCR Tehran back office", "http://10.0.0.5/hook")
    with pytest.raises(CommandError, match="No API client"):
        set_webhook("nobody", "https://example.org/hook")
    assert not Webhook.objects.exists()


def test_an_unanswered_ping_still_keeps_the_webhook():
    create("NOCR Tehran back office", "--agency", "nocr", "--province", "23")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    output, _ = set_webhook("NOCR Tehran back office", f"http://127.0.0.1:{port}/")
    assert "Ping not answered (unreachable" in output
    assert Webhook.objects.get().is_active


def test_remove_deliver_and_prune_commands(hooked, receiver):
    file_at()
    out = io.StringIO()
    call_command("api_client", "deliver", stdout=out)
    assert "1 sent, 0 to retry, 0 failed" in out.getvalue()
    # Sent deliveries are kept 30 days; failed ones stay for the admin.
    WebhookDelivery.objects.update(delivered_at=timezone.now() - dt.timedelta(days=31))
    file_at()
    WebhookDelivery.objects.filter(status="pending").update(status=DeliveryStatus.FAILED)
    assert tasks.prune_webhook_deliveries() == 1
    assert list(WebhookDelivery.objects.values_list("status", flat=True)) == ["failed"]
    out = io.StringIO()
    call_command("api_client", "webhook", "NOCR Tehran back office", "--remove", stdout=out)
    assert "Webhook removed" in out.getvalue() and not Webhook.objects.exists()
    file_at()
    assert not WebhookDelivery.objects.exists()


def test_the_admin_lists_deliveries_and_sends_failed_ones_again(hooked, client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    file_at()
    WebhookDelivery.objects.update(status=DeliveryStatus.FAILED, attempts=10)
    admin = User.objects.filter(is_superuser=True).first()
    client.force_login(admin)
    listing = client.get("/admin/api/webhookdelivery/")
    assert listing.status_code == 200
    assert "ارسال‌های وب‌هوک" in listing.content.decode()
    delivery = WebhookDelivery.objects.get()
    answer = client.post(
        "/admin/api/webhookdelivery/",
        {"action": "send_again", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert "1 ارسال دوباره فرستاده می‌شود." in answer.content.decode()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert webhooks.deliver_due()["sent"] == 1
    # The webhook's page never shows its secret.
    page = client.get(f"/admin/api/webhook/{Webhook.objects.get().pk}/change/")
    assert page.status_code == 200 and hooked["secret"] not in page.content.decode()


def test_with_a_worker_a_commit_queues_one_run_for_many_changes(
    hooked, receiver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # production: Redis and a worker
    cache.delete(webhooks.WAKE_KEY)
    queued = []
    monkeypatch.setattr(tasks.deliver_webhooks, "delay", lambda: queued.append(1))
    with django_capture_on_commit_callbacks(execute=True):
        file_at()
    with django_capture_on_commit_callbacks(execute=True):
        file_at()
    assert queued == [1] and receiver.received == []  # the request posts nothing itself
    # The run clears the flag first, so a change committed during it queues the next one.
    assert tasks.deliver_webhooks() == {"sent": 2, "pending": 0, "failed": 0}
    with django_capture_on_commit_callbacks(execute=True):
        file_at()
    assert queued == [1, 1]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_celery_worker_delivers_a_webhook_through_redis(receiver, settings):
    """CI: a delivery committed to the outbox is sent by a running worker, via a real Redis."""
    settings.CELERY_TASK_ALWAYS_EAGER = False  # nothing is sent in this process
    with celery_worker() as send:
        create("NOCR Tehran back office", "--agency", "nocr", "--province", "23")
        _, secret = set_webhook("NOCR Tehran back office", receiver.url)
        receiver.received.clear()
        file_at()  # committed: the test runs outside a transaction
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING and receiver.received == []
        send("pishkhan.api.tasks.deliver_webhooks")

        def sent() -> bool:
            delivery.refresh_from_db()
            return delivery.status == DeliveryStatus.SENT

        assert wait_for(sent), "the worker did not deliver the webhook"
    (got,) = receiver.received
    assert verify(secret, got) and json.loads(got["body"])["id"] == delivery.pk


def test_the_client_sees_its_own_webhooks_deliveries(hooked, receiver, client):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {hooked['token']}"
    receiver.statuses = [500]
    first, second = file_at(), file_at()
    webhooks.deliver_due()  # the first fails once, the second is sent
    other = create("NOCR national", "--agency", "nocr")
    set_webhook("NOCR national", receiver.url)
    fars = file_at(licence_number="07-3001")  # heard by the national client only
    answer = client.get("/api/v1/agency/webhook/")
    assert answer.status_code == 200, answer.content
    status = answer.json()
    assert (status["url"], status["is_active"]) == (receiver.url, True)
    assert (status["pending"], status["failed"]) == (1, 0)
    recent = status["recent"]
    assert [d["tracking_code"] for d in recent] == [second.tracking_code, first.tracking_code]
    failing, sent = recent[1], recent[0]
    assert (failing["status"], failing["attempts"], failing["last_status_code"]) == (
        "pending",
        1,
        500,
    )
    assert failing["last_error"] == "HTTP 500" and failing["next_attempt_at"]
    assert sent["status"] == "sent" and sent["next_attempt_at"] is None and sent["delivered_at"]
    # Another client sees only its own; a client without a webhook is told so; no token: 401.
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {other}"
    theirs = client.get("/api/v1/agency/webhook/").json()["recent"]
    assert [d["tracking_code"] for d in theirs] == [fars.tracking_code]
    lonely = create("NOCR Fars", "--agency", "nocr", "--province", "07")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {lonely}"
    missing = client.get("/api/v1/agency/webhook/")
    assert missing.status_code == 404 and "وب‌هوک ندارد" in missing.json()["error"]["message"]
    del client.defaults["HTTP_AUTHORIZATION"]
    assert client.get("/api/v1/agency/webhook/").status_code == 401


def test_an_offices_client_hears_its_own_offices_requests_and_reads_them_back(
    receiver, client, django_capture_on_commit_callbacks
):
    token = create("Office 1001 counter app", "--office", "23-1001")
    set_webhook("Office 1001 counter app", receiver.url)
    receiver.received.clear()  # the ping
    with django_capture_on_commit_callbacks(execute=True):
        ours = file_at()
    # Not another office's, even in the same province and agency; not an online request.
    file_at(licence_number="23-1002")
    service = Service.objects.get(code="nocr-birth-certificate-duplicate")
    citizen = User.objects.get(username="9990000018")
    submit(
        service=service,
        citizen=citizen,
        channel=Channel.ONLINE,
        actor=citizen,
        form_values=sample_values(service, citizen),
        uploads=uploads_for(service),
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload["request"]["tracking_code"] == ours.tracking_code
    (event,) = receiver.events()
    # The event leads to the office API, which the client reads with its own token.
    url = event["request"]["url"]
    assert url == f"http://127.0.0.1:8000/api/v1/office/requests/{ours.tracking_code}/"
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert client.get(url.removeprefix("http://127.0.0.1:8000")).json()["state"] == "submitted"
    status = client.get("/api/v1/office/webhook/")
    assert status.status_code == 200, status.content
    assert [d["tracking_code"] for d in status.json()["recent"]] == [ours.tracking_code]
    # Each kind of client asks its own address: the other one is refused.
    assert client.get("/api/v1/agency/webhook/").status_code == 403
    agency_token = create("NOCR Tehran back office", "--agency", "nocr", "--province", "23")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {agency_token}"
    assert client.get("/api/v1/office/webhook/").status_code == 403


def test_an_agency_client_and_an_office_client_each_get_their_own_link(hooked, receiver):
    create("Office 1001 counter app", "--office", "23-1001")
    set_webhook("Office 1001 counter app", receiver.url)
    request = file_at()
    links = {
        d.webhook.client.name: d.payload["request"]["url"]
        for d in WebhookDelivery.objects.select_related("webhook__client")
    }
    code = request.tracking_code
    assert links == {
        "NOCR Tehran back office": f"http://127.0.0.1:8000/api/v1/agency/requests/{code}/",
        "Office 1001 counter app": f"http://127.0.0.1:8000/api/v1/office/requests/{code}/",
    }
