"""The transactional outbox and its delivery."""

import datetime as dt
import io
import json
import urllib.error

import pytest
from django.core.cache import cache
from django.db import transaction

from pishkhan.notify import tasks
from pishkhan.notify.backends import KavenegarBackend, SendError
from pishkhan.notify.models import OutboxMessage, OutboxStatus
from pishkhan.notify.services import enqueue_sms
from pishkhan.notify.tasks import REDACTED, deliver_now, deliver_pending, drain
from tests.conftest import celery_worker, wait_for

pytestmark = pytest.mark.django_db


def test_a_message_is_delivered_after_its_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = enqueue_sms("09121000001", "سلام", event="test")
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 1


def test_a_rolled_back_event_sends_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_sms("09121000001", "سلام", event="rolled-back")
        raise RuntimeError
    assert callbacks == [] and not OutboxMessage.objects.filter(event="rolled-back").exists()


def test_delivery_happens_once():
    message = enqueue_sms("09121000001", "سلام", event="once")
    assert deliver_now(message.pk) == "sent"
    assert deliver_now(message.pk) == "skipped"
    message.refresh_from_db()
    assert message.attempts == 1


def test_a_drain_delivers_every_pending_message_in_batches(django_assert_max_num_queries):
    messages = [enqueue_sms("09121000001", f"پیام {i}", event="batch") for i in range(7)]
    # Three batches of at most three, then an empty read that ends the drain; each batch is a
    # transaction (here a savepoint and its release), one read and one update: the queries grow
    # with the batches, not with the messages.
    with django_assert_max_num_queries(3 * 4 + 3):
        assert drain(batch_size=3) == 7
    for message in messages:
        message.refresh_from_db()
        assert message.status == OutboxStatus.SENT and message.attempts == 1
    assert drain() == 0  # nothing left: delivery happens once


def test_a_drain_leaves_a_refused_message_for_the_sweeper(monkeypatch, settings):
    settings.PISHKHAN_SMS_BACKEND = "pishkhan.notify.backends.KavenegarBackend"
    settings.KAVENEGAR_API_KEY, settings.KAVENEGAR_SENDER = "test-key", "10004346"
    monkeypatch.setattr(
        "urllib.request.urlopen", Recorded({"return": {"status": 418, "message": "busy"}})
    )
    message = enqueue_sms("09121000001", "بعداً", event="later")
    assert drain() == 0  # tried once, not again in the same drain
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    OutboxMessage.objects.filter(pk=message.pk).update(
        created_at=message.created_at - dt.timedelta(minutes=5)
    )
    monkeypatch.setattr("urllib.request.urlopen", Recorded(KAVENEGAR_OK))
    assert deliver_pending() == 1  # the sweeper queues a drain (eager here), which sends it
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 2


@pytest.fixture
def production_queue(settings, monkeypatch):
    """Tasks behind a broker, as in production (not eager); the drains queued, not run, and the
    clock fixed: ``clock[0]`` is the time ``queue_drain`` reads."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(tasks.drain, "apply_async", lambda *a, **k: queued.append(k))
    clock = [1_800_000_000.3]
    monkeypatch.setattr(tasks.time, "time", lambda: clock[0])
    tasks.slots.known = None
    cache.delete_many([tasks.wake_key(1_800_000_000 + n) for n in range(-1, 3)])
    yield queued, clock
    tasks.slots.known = None


def test_one_drain_is_queued_for_a_second_of_messages(
    production_queue, django_capture_on_commit_callbacks
):
    """The first message of a second queues a drain that starts after the second has ended, so
    it finds every message of that second; the later ones queue nothing."""
    queued, clock = production_queue
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(3):
            enqueue_sms("09121000001", f"پیام {i}", event="coalesced")
    assert len(queued) == 1
    # Started 0.25 s after the second ends (1,800,000,001.0 + the margin for clocks).
    assert queued[0]["countdown"] == pytest.approx(0.7 + tasks.DRAIN_MARGIN_SECONDS)
    clock[0] += 0.5  # the same second
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_sms("09121000001", "همان ثانیه", event="coalesced")
    assert len(queued) == 1
    clock[0] += 0.5  # the next second: a drain of its own
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_sms("09121000001", "ثانیه بعد", event="coalesced")
    assert len(queued) == 2 and queued[1]["countdown"] == pytest.approx(
        0.7 + tasks.DRAIN_MARGIN_SECONDS
    )


def test_a_process_that_knows_the_seconds_drain_is_queued_asks_redis_nothing(
    production_queue, django_capture_on_commit_callbacks, monkeypatch
):
    """Another process queued this second's drain: this one learns it from the failed ``add``
    (nothing queued twice) and does not ask again in the same second."""
    queued, _clock = production_queue
    cache.add(tasks.wake_key(1_800_000_000), "1", 60)  # another process's
    asked = []
    add = cache.add
    monkeypatch.setattr(cache, "add", lambda *a, **k: asked.append(a[0]) or add(*a, **k))
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(4):
            enqueue_sms("09121000001", f"پیام {i}", event="coalesced")
    assert queued == [] and asked == [tasks.wake_key(1_800_000_000)]


def test_without_a_broker_each_message_is_drained_at_once(
    settings, django_capture_on_commit_callbacks
):
    """The embedded default runs tasks eagerly: a drain queued for later would run before the
    second's other messages were committed, so each message's commit drains."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue_sms("09121000001", "یک", event="eager")
    with django_capture_on_commit_callbacks(execute=True):
        second = enqueue_sms("09121000001", "دو", event="eager")
    assert {m.status for m in OutboxMessage.objects.filter(pk__in=[first.pk, second.pk])} == {
        OutboxStatus.SENT
    }


class Recorded:
    """A recorded Kavenegar response, served instead of the network."""

    def __init__(self, payload, status=200):
        self.payload, self.status = payload, status
        self.requests = []

    def __call__(self, request, timeout=None):
        self.requests.append(request)
        if self.status >= 400:
            raise urllib.error.HTTPError(
                request.full_url, self.status, "error", {}, io.BytesIO(b"{}")
            )
        return io.BytesIO(json.dumps(self.payload).encode())


KAVENEGAR_OK = {
    "return": {"status": 200, "message": "تایید شد"},
    "entries": [
        {
            "messageid": 8792343,
            "message": "…",
            "status": 1,
            "statustext": "در صف ارسال",
            "sender": "10004346",
            "receptor": "09121000001",
            "date": 1356619709,
            "cost": 120,
        }
    ],
}


def test_kavenegar_send_and_redaction(monkeypatch, settings):
    settings.PISHKHAN_SMS_BACKEND = "pishkhan.notify.backends.KavenegarBackend"
    settings.KAVENEGAR_API_KEY, settings.KAVENEGAR_SENDER = "test-key", "10004346"
    recorded = Recorded(KAVENEGAR_OK)
    monkeypatch.setattr("urllib.request.urlopen", recorded)
    message = enqueue_sms("09121000001", "کد ورود شما: 123456", sensitive=True)
    assert deliver_now(message.pk) == "sent"
    message.refresh_from_db()
    assert message.provider_id == "8792343" and message.body == REDACTED
    request = recorded.requests[0]
    assert request.full_url == "https://api.kavenegar.com/v1/test-key/sms/send.json"
    assert b"receptor=09121000001" in request.data and b"sender=10004346" in request.data


def test_kavenegar_errors(monkeypatch, settings):
    settings.PISHKHAN_SMS_BACKEND = "pishkhan.notify.backends.KavenegarBackend"
    monkeypatch.setattr("urllib.request.urlopen", Recorded({}, status=401))
    with pytest.raises(SendError) as exc:
        KavenegarBackend(api_key="bad").send("09121000001", "x")
    assert exc.value.permanent
    message = enqueue_sms("09121000001", "x")
    assert deliver_now(message.pk) == "failed"
    monkeypatch.setattr(
        "urllib.request.urlopen", Recorded({"return": {"status": 418, "message": "busy"}})
    )
    message = enqueue_sms("09121000001", "y")
    assert deliver_now(message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and "418" in message.last_error


def test_dev_outbox_only_in_debug(client, settings):
    enqueue_sms("09121000001", "کد ورود شما: 654321")
    enqueue_sms(
        "09121000002", "نام کاربری operator-23-1001-2: http://127.0.0.1:8000/accounts/x/2b5a/"
    )
    settings.DEBUG = False
    assert client.get("/dev/outbox/").status_code == 404
    settings.DEBUG = True
    html = client.get("/dev/outbox/").content.decode()
    # Each text as sent: codes, user names and links can be copied as they are.
    assert "654321" in html and "operator-23-1001-2" in html
    assert '<a href="http://127.0.0.1:8000/accounts/x/2b5a/"' in html


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_celery_worker_delivers_through_redis():
    """CI: a message goes through a real Redis broker to a running Celery worker."""
    with celery_worker() as send:
        message = OutboxMessage.objects.create(
            recipient="09121000001", body="از صف واقعی", event="worker"
        )
        send("pishkhan.notify.tasks.drain")

        def sent() -> bool:
            message.refresh_from_db()
            return message.status == OutboxStatus.SENT

        assert wait_for(sent), "the worker did not deliver the message"
