"""Records past their keeping time are pruned daily (core.retention, docs/retention.md)."""

import datetime as dt
import io

import pytest
from axes.models import AccessLog
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from pishkhan.accounts import otp
from pishkhan.accounts.models import OneTimeCode, SignInLock
from pishkhan.api.models import ApiClient, DeliveryStatus, Webhook, WebhookDelivery
from pishkhan.core import retention
from pishkhan.core.demo import DEMO_PASSWORD
from pishkhan.notify.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def aged(queryset, days, field="created_at"):
    queryset.update(**{field: NOW - dt.timedelta(days=days)})


def code(national_code="0012345679", days=0):
    row = OneTimeCode.objects.create(
        national_code=national_code,
        mobile="09120000000",
        code_hash="x" * 64,
        expires_at=NOW,
        client="127.0.0.1",
    )
    aged(OneTimeCode.objects.filter(pk=row.pk), days)
    return row


def message(status, days):
    row = OutboxMessage.objects.create(
        recipient="09120000000", body="پیشخوان", subject_type="t", subject_id="1", event="e"
    )
    OutboxMessage.objects.filter(pk=row.pk).update(status=status)
    aged(OutboxMessage.objects.filter(pk=row.pk), days)
    return row


def test_every_kind_is_registered():
    assert retention.registered() == [
        "sessions",
        "sign-in codes",
        "sign-in locks",
        "staff sign-ins",
        "text messages",
        "webhook deliveries",
    ]


def test_sign_in_codes_go_after_their_days_and_the_hourly_limit_still_counts(settings):
    settings.PISHKHAN_KEEP_SIGN_IN_CODES_DAYS = 30
    old, kept = code(days=31), code(days=29)
    recent = [code(national_code="0084575948") for _ in range(otp.CODES_PER_HOUR)]
    assert retention.prune_all(NOW)["sign-in codes"] == 1
    assert set(OneTimeCode.objects.values_list("pk", flat=True)) == {
        kept.pk,
        *(row.pk for row in recent),
    }
    assert not OneTimeCode.objects.filter(pk=old.pk).exists()
    # The shortest keeping time allowed (a day) is longer than the hour the limit counts.
    settings.PISHKHAN_KEEP_SIGN_IN_CODES_DAYS = 1
    retention.prune_all(timezone.now())
    assert len(otp._recent_codes("0084575948", timezone.now())) == otp.CODES_PER_HOUR


def test_a_lock_in_force_stays_an_ended_one_goes():
    SignInLock.objects.create(
        national_code="0012345679", locked_until=NOW - dt.timedelta(minutes=1)
    )
    SignInLock.objects.create(
        national_code="0084575948", locked_until=NOW + dt.timedelta(minutes=5)
    )
    assert retention.prune_all(NOW)["sign-in locks"] == 1
    assert list(SignInLock.objects.values_list("national_code", flat=True)) == ["0084575948"]


def test_expired_sessions_go_and_a_live_one_still_signs_in(client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    client.post(reverse("accounts:login"), {"username": "operator-1001", "password": DEMO_PASSWORD})
    assert client.get(reverse("cases:office_home")).status_code == 200
    live = Session.objects.get()
    expired = Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=NOW - dt.timedelta(seconds=1)
    )
    assert retention.prune_all(timezone.now())["sessions"] == 1
    assert list(Session.objects.values_list("pk", flat=True)) == [live.pk]
    assert expired.pk != live.pk
    assert client.get(reverse("cases:office_home")).status_code == 200


def test_staff_sign_ins_are_kept_a_year_by_default(client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    client.post(reverse("accounts:login"), {"username": "operator-1001", "password": DEMO_PASSWORD})
    client.logout()
    client.post(reverse("accounts:login"), {"username": "operator-1001", "password": DEMO_PASSWORD})
    assert AccessLog.objects.count() == 2
    aged(
        AccessLog.objects.filter(pk=AccessLog.objects.order_by("pk").first().pk),
        366,
        "attempt_time",
    )
    assert retention.prune_all(NOW)["staff sign-ins"] == 1
    assert AccessLog.objects.count() == 1


def test_text_messages_sent_or_failed_go_pending_ones_never(settings):
    settings.PISHKHAN_KEEP_TEXT_MESSAGES_DAYS = 90
    OutboxMessage.objects.all().delete()
    sent_old = message(OutboxStatus.SENT, 91)
    failed_old = message(OutboxStatus.FAILED, 91)
    pending_old = message(OutboxStatus.PENDING, 400)
    sent_recent = message(OutboxStatus.SENT, 89)
    assert retention.prune_all(NOW)["text messages"] == 2
    left = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert left == {pending_old.pk, sent_recent.pk}
    assert sent_old.pk not in left and failed_old.pk not in left


def test_webhook_deliveries_follow_their_setting(settings):
    settings.PISHKHAN_KEEP_WEBHOOK_DELIVERIES_DAYS = 7
    call_command(
        "api_client",
        "create",
        "NOCR Tehran",
        "--agency",
        "nocr",
        "--province",
        "23",
        stdout=io.StringIO(),
    )
    hook = Webhook.objects.create(
        client=ApiClient.objects.get(name="NOCR Tehran"), url="https://example.org/", secret="s"
    )

    def delivery(status, days):
        row = WebhookDelivery.objects.create(webhook=hook, event="x", payload={}, status=status)
        WebhookDelivery.objects.filter(pk=row.pk).update(delivered_at=NOW - dt.timedelta(days=days))
        return row

    delivery(DeliveryStatus.SENT, 8)
    kept = [delivery(DeliveryStatus.SENT, 6), delivery(DeliveryStatus.FAILED, 30)]
    assert retention.prune_all(NOW)["webhook deliveries"] == 1
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {row.pk for row in kept}


def test_large_backlogs_go_a_batch_at_a_time(monkeypatch):
    monkeypatch.setattr(retention, "DELETE_BATCH", 2)
    for _ in range(5):
        code(days=400)
    assert retention.delete_in_batches(OneTimeCode.objects.all()) == 5
    assert not OneTimeCode.objects.exists()


def test_a_failing_kind_is_reported_and_the_others_still_run(monkeypatch):
    def broken(now):
        raise RuntimeError("disk full")

    monkeypatch.setitem(retention._pruners, "a broken kind", broken)
    code(days=400)
    done = retention.prune_all(NOW)
    assert done["a broken kind"] is None and done["sign-in codes"] == 1
    out = io.StringIO()
    with pytest.raises(CommandError, match="a broken kind"):
        call_command("prune", stdout=out)
    assert "a broken kind: failed" in out.getvalue()
    assert "sign-in codes: 0 deleted" in out.getvalue()


def test_the_command_reports_what_went():
    code(days=400)
    out = io.StringIO()
    call_command("prune", stdout=out)
    assert "sign-in codes: 1 deleted" in out.getvalue()
    assert "text messages: " in out.getvalue()


def test_the_daily_job_runs_them_all(settings):
    from pishkhan.core.tasks import prune_records

    entry = settings.CELERY_BEAT_SCHEDULE["records-prune"]
    assert entry["task"] == prune_records.name and entry["schedule"] == 86400.0
    code(days=400)
    assert prune_records()["sign-in codes"] == 1


@pytest.mark.parametrize("raw", ["0", "-3", "thirty"])
def test_a_keeping_time_below_a_day_stops_the_start_up(monkeypatch, raw):
    from pishkhan.settings import env_days

    monkeypatch.setenv("PISHKHAN_KEEP_TEXT_MESSAGES_DAYS", raw)
    with pytest.raises(ImproperlyConfigured, match="PISHKHAN_KEEP_TEXT_MESSAGES_DAYS"):
        env_days("PISHKHAN_KEEP_TEXT_MESSAGES_DAYS", 90)
