"""Settings come from the environment only, and refuse unsafe or malformed values."""

import os
import subprocess
import sys

PRINT_SETTINGS = (
    "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'pishkhan.settings'\n"
    "from django.conf import settings\n"
    "print(settings.CACHES['default']['BACKEND'])\n"
    "print(settings.DATABASES['default']['ENGINE'])\n"
)


def load_settings(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "PISHKHAN_WEEKEND", "REDIS_URL"}
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        capture_output=True,
        text=True,
        env=clean,
        timeout=60,
    )


def test_refuses_the_default_secret_key_without_debug():
    result = load_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_starts_with_a_real_secret_key():
    result = load_settings(DEBUG="0", SECRET_KEY="a-real-secret-key-for-this-test")
    assert result.returncode == 0, result.stderr


def test_debug_may_use_the_development_key():
    assert load_settings(DEBUG="1").returncode == 0


def test_malformed_values_are_named():
    result = load_settings(DEBUG="maybe")
    assert result.returncode != 0 and "DEBUG" in result.stderr
    result = load_settings(DEBUG="1", PISHKHAN_WEEKEND="9")
    assert result.returncode != 0 and "PISHKHAN_WEEKEND" in result.stderr


def test_database_and_redis_urls_are_read():
    result = load_settings(
        DEBUG="1",
        DATABASE_URL="postgres://u:p@localhost:5432/x",
        REDIS_URL="redis://localhost:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "pishkhan.core.cache.RedisCache",
        "django.db.backends.postgresql",
    ]


def test_secret_key_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file-secret\n")
    result = load_settings(DEBUG="0", SECRET_KEY_FILE=str(secret))
    assert result.returncode == 0, result.stderr


def test_today_is_the_day_in_tehran():
    """At 21:00 UTC it is already 00:30 the next day in Tehran: fees in force, decision-due days
    and the settlement's day follow Iran's calendar day, not UTC's."""
    import datetime as dt
    from unittest import mock

    from django.utils import timezone

    late = dt.datetime(2026, 12, 1, 21, 0, tzinfo=dt.UTC)
    with mock.patch("django.utils.timezone.now", return_value=late):
        assert timezone.localdate() == dt.date(2026, 12, 2)
        assert timezone.localtime().hour == 0
