"""The site keeps serving while Redis is down, and Redis coming back serves nothing stale
(decision 61).

Redis is "down" by pointing the cache, the sessions' cache and the rate limits at a port where
nothing listens (refused at once), or at a socket that accepts and never answers (each call
waits REDIS_TIMEOUT_SECONDS: one test only). "Back" is the suite's own Redis
(PISHKHAN_TEST_REDIS_URL) under the same key prefix, so what was written there before the
outage is still there, as after a network partition or a restart with persistence.
"""

from __future__ import annotations

import os
import re
import socket
import uuid

import pytest
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from kombu.exceptions import OperationalError

from pishkhan.accounts import otp
from pishkhan.accounts.backends import UserBackend
from pishkhan.accounts.models import SignInLock, User
from pishkhan.cases.models import ServiceRequest
from pishkhan.catalog import filing
from pishkhan.catalog.fees import fee_in_force
from pishkhan.catalog.models import FeeKind, Service
from pishkhan.catalog.services import set_fee
from pishkhan.core import outage, ratelimit
from pishkhan.core.demo import DEMO_PASSWORD, demo_national_code
from pishkhan.core.models import StaleCacheKey
from pishkhan.core.tasks import forget_stale_cache_keys
from pishkhan.core.text import to_persian_digits
from pishkhan.notify import tasks as notify_tasks
from pishkhan.notify.models import OutboxMessage, OutboxStatus
from pishkhan.notify.services import enqueue_sms

from .cases.conftest import file_in_portal
from .cases.test_query_counts import counter_form
from .conftest import skip_or_fail

pytestmark = pytest.mark.django_db

CITIZEN_CODE = demo_national_code(1)
CITIZEN_MOBILE = "09121000001"
ONLINE_SERVICE = "nocr-single-status-certificate"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Redis:
    """Switches this test's Redis between down and up, under one key prefix."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.prefix = f"pishkhan-outage-test-{uuid.uuid4().hex}"
        self.used_real = ""

    def _use(self, url: str, timeout: int = 2) -> None:
        options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
        self.settings.REDIS_URL = url
        self.settings.REDIS_SOCKET_OPTIONS = options
        self.settings.CACHES = {
            "default": {
                "BACKEND": "pishkhan.core.cache.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": self.prefix,
                "OPTIONS": options,
            }
        }

    def down(self) -> None:
        """Connection refused."""
        self._use(f"redis://127.0.0.1:{closed_port()}/0")
        # With Redis configured, tasks go through it as the broker (production: not eager).
        self.settings.CELERY_TASK_ALWAYS_EAGER = False

    def silent(self, port: int) -> None:
        """Accepted, never answered; 1 s timeouts."""
        self._use(f"redis://127.0.0.1:{port}/0", timeout=1)
        self.settings.CELERY_TASK_ALWAYS_EAGER = False

    def up(self) -> None:
        url = os.environ.get("PISHKHAN_TEST_REDIS_URL")
        if not url:
            skip_or_fail("PISHKHAN_TEST_REDIS_URL is not set")
        self.used_real = url
        self._use(url)
        # Tasks the test queues from here on (the sweeper's drain) run in the test's process.
        self.settings.CELERY_TASK_ALWAYS_EAGER = True
        # A process asks Redis again RETRY_SECONDS after its last failure: that time has passed.
        outage._down_until = 0.0

    def clean(self) -> None:
        # Only this test's keys: the Redis database is shared with other tests and a broker.
        if self.used_real:
            import redis

            client = redis.Redis.from_url(self.used_real)
            keys = list(client.scan_iter(f"{self.prefix}:*"))
            if keys:
                client.delete(*keys)


@pytest.fixture
def redis(settings, tmp_path):
    settings.SESSION_ENGINE = "pishkhan.core.sessions"
    settings.PISHKHAN_STAFF_OTP = False
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    switch = Redis(settings)
    switch.down()
    yield switch
    switch.clean()


def sign_in(client, seed: int = 1, mobile: str = CITIZEN_MOBILE) -> User:
    """The citizen's sign-in by one-time code, through the pages; the outbox shows the code."""
    code = demo_national_code(seed)
    response = client.post(reverse("cases:portal_login"), {"national_code": code, "mobile": mobile})
    assert response.status_code == 302, response.content.decode()[:2000]
    message = OutboxMessage.objects.filter(event="sign_in_code", recipient=mobile).latest("id")
    one_time = re.search(r"(\d{6})", message.body).group(1)
    response = client.post(reverse("cases:portal_code"), {"code": one_time})
    assert response.status_code == 302 and response["Location"] == reverse("cases:portal_home")
    return User.objects.get(username=code)


def signed_in(client) -> bool:
    return client.get(reverse("cases:portal_home")).status_code == 200


def file_online(client, citizen: User) -> ServiceRequest:
    return file_in_portal(client, Service.objects.get(code=ONLINE_SERVICE), citizen)[0]


def track(client, request: ServiceRequest, htmx: bool):
    data = {"tracking_code": request.tracking_code, "national_code": CITIZEN_CODE}
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "track-answer"} if htmx else {}
    return client.post(reverse("cases:track"), data, **headers)


def test_a_citizen_signs_in_files_and_tracks_while_redis_refuses(
    redis, client, django_capture_on_commit_callbacks
):
    # The commits' callbacks (queue the texts' delivery, forget the kept user) run, as in
    # production, and must not fail the request.
    known = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with django_capture_on_commit_callbacks(execute=True):
        citizen = sign_in(client)
        assert signed_in(client)
        request = file_online(client, citizen)
    assert request.channel == "online" and request.citizen_id == citizen.pk
    page = client.get(reverse("cases:portal_request", args=[request.tracking_code]))
    assert page.status_code == 200
    for htmx in (False, True):
        response = track(client, request, htmx)
        assert response.status_code == 200
        assert to_persian_digits(request.tracking_code) in response.content.decode()
    # Nothing could be queued without the broker: the texts wait in the outbox.
    texts = OutboxMessage.objects.filter(pk__gt=known)
    assert {m.event for m in texts} >= {"sign_in_code", "submitted"}
    assert {m.status for m in texts} == {OutboxStatus.PENDING}
    client.post(reverse("cases:portal_logout"))
    assert not signed_in(client)


def test_staff_work_and_the_catalogue_shows_current_fees_while_redis_refuses(redis, client):
    service = Service.objects.get(code="gas-meter-test")
    today = timezone.localdate()
    fee = fee_in_force(service, FeeKind.GOVERNMENT, today) + 70_000
    # A catalogue change while Redis is down: its new generation is noted, not lost.
    set_fee(service, FeeKind.GOVERNMENT, fee, today, allow_past=True)
    assert StaleCacheKey.objects.filter(key=filing.GENERATION_KEY).exists()
    page = client.get(reverse("catalog:service_detail", args=[service.code])).content.decode()
    assert to_persian_digits(f"{fee:,}").replace(",", "٬") in page

    post = counter_form(client)
    response = post("during-the-outage")
    assert response.status_code == 302, response.content.decode()[:2000]
    filed = ServiceRequest.objects.get(idempotency_key="during-the-outage")
    assert filed.channel == "office"
    government = next(line for line in filed.fee_lines if line["code"] == "government")
    assert government["amount"] == fee
    # Nothing was kept without the generation token: the next filing reads the database again.
    assert filing._kept == {}

    client.force_login(User.objects.get(username="officer-nocr-tehran"))
    queue = client.get(reverse("cases:agency_queue"))
    assert queue.status_code == 200 and queue.context["rows"]


def test_the_wrong_code_lockout_holds_while_redis_refuses(redis):
    otp.request_code(CITIZEN_CODE, CITIZEN_MOBILE, "1.2.3.4")
    body = OutboxMessage.objects.filter(event="sign_in_code").latest("id").body
    right = re.search(r"(\d{6})", body).group(1)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(otp.MAX_TRIES - 1):
        with pytest.raises(otp.SignInError) as exc:
            otp.verify_code(CITIZEN_CODE, wrong)
        assert exc.value.code == "wrong"
    with pytest.raises(otp.SignInError) as exc:
        otp.verify_code(CITIZEN_CODE, wrong)
    assert exc.value.code == "locked"
    # Another process (nothing counted in memory) sees the lock: it is in the database.
    outage.reset()
    otp._local_client_counts.clear()
    assert SignInLock.objects.filter(national_code=CITIZEN_CODE).exists()
    with pytest.raises(otp.SignInError) as exc:
        otp.verify_code(CITIZEN_CODE, right)
    assert exc.value.code == "locked"
    with pytest.raises(otp.SignInError) as exc:
        otp.request_code(CITIZEN_CODE, CITIZEN_MOBILE, "5.6.7.8")
    assert exc.value.code == "locked"


def test_the_limits_count_in_the_process_while_redis_refuses(redis, client, settings):
    """Never open to a flood, never a server error: each process counts with the same windows."""
    settings.PISHKHAN_TRACK_PER_MINUTE = 3
    request = ServiceRequest.objects.select_related("citizen").order_by("pk").first()
    data = {"tracking_code": request.tracking_code, "national_code": request.citizen.national_code}
    answers = [client.post(reverse("cases:track"), data).status_code for _ in range(5)]
    assert answers == [200, 200, 200, 429, 429]
    assert [ratelimit.hit("verify", "9.9.9.9", 2) for _ in range(3)] == [False, False, True]
    over = [otp._client_over_limit("9.9.9.9") for _ in range(otp.CLIENT_CODES_PER_10_MINUTES + 1)]
    assert over == [False] * otp.CLIENT_CODES_PER_10_MINUTES + [True]


def test_a_lost_wake_up_leaves_the_text_pending_and_the_request_succeeds(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    """The broker refuses the drain (Redis the cache answered a moment before): the commit's
    callback does not fail, and the second's key is removed and the process remembers nothing,
    so that the next text tries again."""
    settings.CELERY_TASK_ALWAYS_EAGER = False  # production: a worker behind a broker
    refusals = []

    def refused(*args, **kwargs):
        refusals.append(kwargs)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(notify_tasks.drain, "apply_async", refused)
    monkeypatch.setattr(notify_tasks.time, "time", lambda: 1_800_000_000.5)
    key = notify_tasks.wake_key(1_800_000_000)
    cache.delete(key)
    for attempt in (1, 2):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            message = enqueue_sms(CITIZEN_MOBILE, "hello")
        assert callbacks
        message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING
        assert cache.get(key) is None and notify_tasks.slots.known is None
        assert len(refusals) == attempt


def test_texts_wait_in_the_outbox_and_go_once_when_redis_is_back(
    redis, client, django_capture_on_commit_callbacks
):
    known = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    OutboxMessage.objects.filter(status=OutboxStatus.PENDING).update(status=OutboxStatus.SENT)
    with django_capture_on_commit_callbacks(execute=True):
        sign_in(client)
    pending = OutboxMessage.objects.filter(pk__gt=known)
    assert pending.exists()
    assert {m.status for m in pending} == {OutboxStatus.PENDING}
    redis.up()
    # Celery beat's sweeper (every minute) finds them; the drain (in-process here) sends them.
    assert notify_tasks.deliver_pending(older_than_seconds=0) == pending.count()
    assert {(m.status, m.attempts) for m in pending.all()} == {(OutboxStatus.SENT, 1)}
    assert notify_tasks.deliver_pending(older_than_seconds=0) == 0
    assert notify_tasks.drain() == 0
    assert {(m.status, m.attempts) for m in pending.all()} == {(OutboxStatus.SENT, 1)}


def test_sessions_of_the_outage_hold_after_it_and_a_signed_out_one_stays_out(redis):
    redis.up()
    before = Client()
    sign_in(before)  # its session is in Redis and in the database
    assert signed_in(before)
    redis.down()
    during = Client()
    sign_in(during, seed=2, mobile="09131000002")  # written to the database only
    assert signed_in(before) and signed_in(during)
    cookie = before.cookies["sessionid"].value  # a copy someone kept (another tab, a thief)
    before.post(reverse("cases:portal_logout"))  # Redis keeps its copy of the session
    before.cookies["sessionid"] = cookie
    assert not signed_in(before)
    redis.up()
    assert signed_in(during)
    # The session's copy in Redis was deleted before anything was read from it.
    assert not StaleCacheKey.objects.exists()
    assert not signed_in(before)


def test_a_signed_out_session_stays_out_on_a_process_that_never_saw_the_outage(redis, client):
    redis.up()
    sign_in(client)
    key = client.cookies["sessionid"].value
    redis.down()
    client.post(reverse("cases:portal_logout"))
    redis.up()
    outage.reset()  # another process: it saw no failure, so it reads Redis at once
    assert cache.get(KEY_PREFIX + key) is not None, "the stale copy is still in Redis"
    forget_stale_cache_keys()  # the worker's minute
    assert cache.get(KEY_PREFIX + key) is None
    client.cookies["sessionid"] = key
    assert not signed_in(client)


def test_a_user_changed_during_the_outage_is_not_served_from_redis_after_it(redis):
    redis.up()
    user = User.objects.get(username="operator-1001")
    assert UserBackend().get_user(user.pk) is not None  # kept in Redis
    redis.down()
    user.is_active = False
    user.save()  # Redis refuses the forget: noted instead of failing the save
    assert UserBackend().get_user(user.pk) is None  # read from the database
    redis.up()
    assert UserBackend().get_user(user.pk) is None


def test_staff_second_factor_holds_through_the_outage(redis, client, settings):
    """An officer signed in with password and TOTP before the outage works through it (the
    device read from the database); a device removed during it is not served from Redis after."""
    redis.up()
    settings.PISHKHAN_STAFF_OTP = True
    officer = User.objects.get(username="officer-nocr-tehran")
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    client.post(
        reverse("accounts:login"), {"username": officer.username, "password": DEMO_PASSWORD}
    )
    token = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post(reverse("accounts:otp"), {"token": token}).status_code == 302
    assert client.get(reverse("cases:agency_queue")).status_code == 200  # the device kept
    redis.down()
    assert client.get(reverse("cases:agency_queue")).status_code == 200
    device.confirmed = False
    device.save()
    assert client.get(reverse("cases:agency_queue")).status_code == 302
    redis.up()
    assert client.get(reverse("cases:agency_queue")).status_code == 302


def test_a_catalogue_change_during_the_outage_is_seen_after_it(redis):
    redis.up()
    kept = filing.service_for_filing("gas-meter-test")
    assert filing.service_for_filing("gas-meter-test") is kept
    token = filing.generation()
    redis.down()
    stored = Service.objects.get(pk=kept.pk)
    stored.is_active = False
    stored.save()
    assert filing.service_for_filing("gas-meter-test") is None  # the database, not the bundle
    redis.up()
    assert filing.generation() != token
    assert filing.service_for_filing("gas-meter-test") is None


def test_a_catalogue_change_reaches_a_process_that_never_saw_the_outage(redis):
    redis.up()
    kept = filing.service_for_filing("gas-meter-test")
    token = filing.generation()
    redis.down()
    Service.objects.filter(pk=kept.pk).first().save()
    redis.up()
    outage.reset()  # another process, still holding its bundle under the old token
    assert filing.generation() == token
    forget_stale_cache_keys()  # within the minute
    assert filing.generation() != token
    assert filing.service_for_filing("gas-meter-test") is not kept


def test_a_redis_that_never_answers_costs_one_timeout_then_the_site_serves(redis, client):
    """A partition drops packets: the first call waits REDIS_TIMEOUT_SECONDS (1 s here), then the
    process holds Redis down and serves without it: sign-in, tracking and /healthz/."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        redis.silent(silent.getsockname()[1])
        health = client.get("/healthz/")
        assert health.status_code == 200
        assert health.json() == {
            "status": "degraded",
            "checks": {"database": "ok", "redis": "unreachable"},
        }
        assert outage.held_down()
        sign_in(client)
        request = ServiceRequest.objects.select_related("citizen").order_by("pk").first()
        data = {
            "tracking_code": request.tracking_code,
            "national_code": request.citizen.national_code,
        }
        assert client.post(reverse("cases:track"), data).status_code == 200
