"""The signed-in user is kept in Redis (accounts/backends.py): read once, forgotten when the user
changes, and never kept without a shared cache."""

from __future__ import annotations

import os
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from pishkhan.accounts.backends import USER_CACHE_SECONDS, UserBackend
from pishkhan.accounts.models import User
from pishkhan.core.demo import DEMO_PASSWORD

from ..conftest import skip_or_fail

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(settings):
    url = os.environ.get("PISHKHAN_TEST_REDIS_URL")
    if not url:
        skip_or_fail("PISHKHAN_TEST_REDIS_URL is not set")
    settings.REDIS_URL = url
    prefix = f"pishkhan-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "pishkhan.core.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    yield cache
    # Only this test's keys: cache.clear() is FLUSHDB, and the Redis database is shared with the
    # other test process's Redis tests and the Celery worker test's broker queue.
    client = cache._cache.get_client()
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def operator() -> User:
    return User.objects.get(username="operator-1001")


def test_the_user_is_read_once_then_kept(redis_cache, django_assert_num_queries):
    user_id = operator().pk
    with django_assert_num_queries(1):
        first = UserBackend().get_user(user_id)
    with django_assert_num_queries(0):
        kept = UserBackend().get_user(user_id)
    assert kept == first and kept.username == "operator-1001"
    assert kept.office_id == first.office_id and kept.role == first.role
    client = redis_cache._cache.get_client()
    ttl = client.ttl(redis_cache.make_and_validate_key(f"accounts:user:{user_id}"))
    assert 0 < ttl <= USER_CACHE_SECONDS


def test_a_saved_user_is_read_again(redis_cache, django_capture_on_commit_callbacks):
    user = operator()
    UserBackend().get_user(user.pk)
    user.mobile = "09129998877"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        user.save()
    assert callbacks, "the kept copy is forgotten again when the change commits"
    assert UserBackend().get_user(user.pk).mobile == "09129998877"


def test_a_deactivated_user_is_signed_out_at_once(redis_cache, client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    client.post(reverse("accounts:login"), {"username": "operator-1001", "password": DEMO_PASSWORD})
    assert client.get(reverse("cases:office_home")).status_code == 200
    user = operator()
    user.is_active = False
    user.save()
    assert UserBackend().get_user(user.pk) is None
    response = client.get(reverse("cases:office_home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_changed_password_ends_other_sessions(redis_cache, client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    client.post(reverse("accounts:login"), {"username": "operator-1001", "password": DEMO_PASSWORD})
    assert client.get(reverse("cases:office_home")).status_code == 200
    user = operator()
    user.set_password("another-long-password-1405")
    user.save()
    # The session's hash of the old password no longer matches the user read again.
    assert client.get(reverse("cases:office_home")).status_code == 302


def test_a_deleted_user_is_gone(redis_cache):
    user = User.objects.create_user("short-lived", password="x" * 20)
    assert UserBackend().get_user(user.pk) is not None
    user_id = user.pk
    user.delete()
    assert UserBackend().get_user(user_id) is None


def test_without_redis_every_request_reads_the_database(settings, django_assert_num_queries):
    settings.REDIS_URL = ""
    user_id = operator().pk
    for _ in range(2):
        with django_assert_num_queries(1):
            assert UserBackend().get_user(user_id).username == "operator-1001"
