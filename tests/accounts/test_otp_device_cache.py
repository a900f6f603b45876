"""The staff's second-factor device is kept in Redis (accounts/middleware.py): read once, forgotten
when the device changes or goes, and never kept without a shared cache."""

from __future__ import annotations

import pytest
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.functional import LazyObject
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from pishkhan.accounts.middleware import DEVICE_CACHE_SECONDS, OTPMiddleware, concrete_user
from pishkhan.accounts.models import User
from pishkhan.core.demo import DEMO_PASSWORD

from .test_user_backend import redis_cache  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
DEVICE_TABLE = TOTPDevice._meta.db_table


@pytest.fixture
def verified(client, settings) -> TOTPDevice:
    """An officer signed in with password and TOTP code, as in production."""
    settings.PISHKHAN_STAFF_OTP = True
    user = User.objects.get(username="officer-nocr-tehran")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.post(reverse("accounts:login"), {"username": user.username, "password": DEMO_PASSWORD})
    token = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post(reverse("accounts:otp"), {"token": token}).status_code == 302
    return device


def device_reads(client) -> int:
    """Open the queue (the second factor required) and count the reads of the device table."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cases:agency_queue")).status_code == 200
    return sum(DEVICE_TABLE in query["sql"] for query in queries.captured_queries)


def test_the_device_is_read_once_then_kept(redis_cache, client, verified):  # noqa: F811
    first = device_reads(client)
    assert device_reads(client) == 0
    assert first <= 1  # read here, or already kept by the sign-in's own request
    client_redis = redis_cache._cache.get_client()
    ttl = client_redis.ttl(
        redis_cache.make_and_validate_key(f"accounts:otp-device:{verified.persistent_id}")
    )
    assert 0 < ttl <= DEVICE_CACHE_SECONDS


def test_a_removed_device_signs_the_second_factor_out(redis_cache, client, verified):  # noqa: F811
    device_reads(client)
    verified.delete()
    response = client.get(reverse("cases:agency_queue"))
    assert response.status_code == 302  # to the sign-in: the password alone opens nothing
    assert "/agency/" not in response["Location"].split("?")[0]


def test_an_unconfirmed_device_no_longer_counts(redis_cache, client, verified):  # noqa: F811
    device_reads(client)
    verified.confirmed = False
    verified.save()
    assert client.get(reverse("cases:agency_queue")).status_code == 302


def test_without_redis_every_request_reads_the_device(client, verified, settings):
    settings.REDIS_URL = ""
    assert device_reads(client) == 1
    assert device_reads(client) == 1


def test_a_page_reads_the_verified_user_itself_not_through_lazy_wrappers(client, verified):
    """roles_required hands the view the user object (accounts.middleware.concrete_user): every
    read through Django's lazy wrapper raises and catches an AttributeError, and django-otp's
    wrapper sat on the authentication middleware's, two per read."""
    response = client.get(reverse("cases:agency_queue"))
    assert response.status_code == 200
    user = response.wsgi_request.user
    assert type(user) is User
    assert user.username == "officer-nocr-tehran"
    assert user.is_verified() and user.otp_device == verified


def test_the_second_factor_wraps_the_user_itself(rf, client, verified, settings):
    """django-otp's lazy user is one wrapper over the user, not a wrapper over the
    authentication middleware's wrapper."""
    request = rf.get("/")
    cookie = settings.SESSION_COOKIE_NAME
    request.COOKIES[cookie] = client.cookies[cookie].value
    SessionMiddleware(lambda r: None).process_request(request)
    AuthenticationMiddleware(lambda r: None).process_request(request)
    wrapper = OTPMiddleware(lambda r: r.user)(request)
    assert isinstance(wrapper, LazyObject)
    assert wrapper.is_verified()
    assert type(wrapper._wrapped) is User  # what the wrapper holds, once read
    assert concrete_user(wrapper) is wrapper._wrapped
