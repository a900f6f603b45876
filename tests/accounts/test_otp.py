"""Citizen sign-in by a one-time SMS code."""

import re

import pytest
from django.core.cache import cache

from pishkhan.accounts.models import OneTimeCode, SignInLock
from pishkhan.accounts.otp import SignInError, request_code, verify_code
from pishkhan.core.demo import demo_national_code
from pishkhan.core.text import to_persian_digits
from pishkhan.notify.models import OutboxMessage

pytestmark = pytest.mark.django_db

CODE = demo_national_code(1)
MOBILE = "09121000001"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def sent_code() -> str:
    body = OutboxMessage.objects.filter(event="sign_in_code").latest("id").body
    return re.search(r"(\d{6})", body).group(1)


def test_a_code_is_sent_and_only_its_hash_is_stored():
    request_code(CODE, MOBILE, "1.2.3.4")
    code = sent_code()
    row = OneTimeCode.objects.get(national_code=CODE)
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert (row.expires_at - row.created_at).total_seconds() == pytest.approx(120, abs=2)
    user = verify_code(CODE, code)
    assert user.national_code == CODE and user.role == "citizen"
    with pytest.raises(SignInError) as exc:
        verify_code(CODE, code)  # used once only
    assert exc.value.code == "expired"


def test_a_mobile_that_is_not_theirs_is_refused_and_nothing_is_saved():
    with pytest.raises(SignInError) as exc:
        request_code(CODE, "09129999999", "1.2.3.4")
    assert exc.value.code == "mismatch"
    assert "ثبت" in str(exc.value) or "registered" in str(exc.value)
    assert (
        not OneTimeCode.objects.exists()
        and not OutboxMessage.objects.filter(event="sign_in_code").exists()
    )


def test_five_wrong_tries_lock_the_national_code():
    request_code(CODE, MOBILE, "1.2.3.4")
    right = sent_code()
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(SignInError) as exc:
            verify_code(CODE, wrong)
        # "۴ بار دیگر": Persian digits in the Persian message, as everywhere in the UI.
        assert exc.value.code == "wrong" and to_persian_digits(left) in str(exc.value)
        assert not re.search(r"[0-9]", str(exc.value))
    with pytest.raises(SignInError) as exc:
        verify_code(CODE, wrong)
    assert exc.value.code == "locked"
    # The lock is in the database, not in a process's memory or cache.
    assert SignInLock.objects.filter(national_code=CODE).exists()
    cache.clear()
    with pytest.raises(SignInError) as exc:
        verify_code(CODE, right)
    assert exc.value.code == "locked"
    with pytest.raises(SignInError) as exc:
        request_code(CODE, MOBILE, "5.6.7.8")
    assert exc.value.code == "locked"


def test_an_expired_code_is_refused():
    from django.utils import timezone

    request_code(CODE, MOBILE, "1.2.3.4")
    OneTimeCode.objects.update(expires_at=timezone.now())
    with pytest.raises(SignInError) as exc:
        verify_code(CODE, sent_code())
    assert exc.value.code == "expired"


def test_codes_are_rate_limited_per_national_code_and_per_client(settings):
    request_code(CODE, MOBILE, "1.2.3.4")
    with pytest.raises(SignInError) as exc:
        request_code(CODE, MOBILE, "1.2.3.4")
    assert exc.value.code == "too_soon"
    import pishkhan.accounts.otp as otp

    settings_limit = otp.CLIENT_CODES_PER_10_MINUTES
    otp.CLIENT_CODES_PER_10_MINUTES = 2
    try:
        other = demo_national_code(2)
        request_code(other, "09131000002", "9.9.9.9")
        OneTimeCode.objects.all().delete()
        with pytest.raises(SignInError) as exc:
            request_code(demo_national_code(3), "09171000003", "9.9.9.9")
            request_code(demo_national_code(4), "09151000004", "9.9.9.9")
        assert exc.value.code == "too_many_requests"
    finally:
        otp.CLIENT_CODES_PER_10_MINUTES = settings_limit
