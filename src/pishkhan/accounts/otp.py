"""Citizen sign-in by a one-time code sent by SMS.

A 6-digit code, valid 2 minutes, stored as a keyed hash; 5 wrong tries lock the national code for
15 minutes (in the database, so across processes); codes are rate-limited per national code
(database) and per client (cache; while Redis does not answer, per client and process, decision
61). The mobile must belong to the national code according to the identity registry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pishkhan.core import outage
from pishkhan.core.i18n import active_language
from pishkhan.core.jalali import format_time
from pishkhan.core.text import digits_for_language
from pishkhan.notify.services import enqueue_sms

from .identity import IdentityMismatch, backend, citizen_for
from .models import OneTimeCode, SignInLock, User

CODE_LIFETIME = dt.timedelta(minutes=2)
MAX_TRIES = 5
LOCK_FOR = dt.timedelta(minutes=15)
CODES_PER_HOUR = 5
RESEND_AFTER = dt.timedelta(seconds=60)
CLIENT_CODES_PER_10_MINUTES = 20
_local_client_counts = outage.LocalCounter()


class SignInError(Exception):
    def __init__(self, code: str, message: object) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CodeSent:
    national_code: str
    mobile: str
    expires_at: dt.datetime


def _hash(national_code: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"otp:{national_code}:{code}".encode(), hashlib.sha256).hexdigest()


def _check_lock(national_code: str) -> None:
    lock = SignInLock.objects.filter(national_code=national_code).first()
    if lock and lock.locked_until > timezone.now():
        minutes = max(1, int((lock.locked_until - timezone.now()).total_seconds() // 60) + 1)
        raise SignInError(
            "locked",
            _(
                "Too many wrong codes. Sign-in for this national code is locked for "
                "%(minutes)s minutes."
            )
            % {"minutes": minutes},
        )


def _client_over_limit(client: str) -> bool:
    now = timezone.now()
    window = f"{now:%Y%m%d%H}{now.minute // 10}"
    key = f"otp-client:{client}:{window}"
    try:
        cache.add(key, 0, 700)
        try:
            return cache.incr(key) > CLIENT_CODES_PER_10_MINUTES
        except ValueError:
            cache.set(key, 1, 700)
            return False
    except outage.ERRORS:
        outage.warn("sign-in code limits per client (counted per process)")
        return _local_client_counts.hit(key, window) > CLIENT_CODES_PER_10_MINUTES


@dataclass(frozen=True)
class CodeTiming:
    """The latest code of a national code: until when it works, and from when a new one may be
    asked for (the wait after a code, or the hourly limit)."""

    expires_at: dt.datetime
    next_code_at: dt.datetime


def _recent_codes(national_code: str, now: dt.datetime) -> list[dt.datetime]:
    """When the codes of the last hour were sent, oldest first."""
    return list(
        OneTimeCode.objects.filter(
            national_code=national_code, created_at__gte=now - dt.timedelta(hours=1)
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )


def _next_code_at(recent: list[dt.datetime]) -> dt.datetime | None:
    """From when a new code may be asked for, given the last hour's codes; None: at once."""
    times = []
    if recent:
        times.append(recent[-1] + RESEND_AFTER)
    if len(recent) >= CODES_PER_HOUR:
        # The hour's count drops below the limit when the code that many back is an hour old.
        times.append(recent[-CODES_PER_HOUR] + dt.timedelta(hours=1))
    return max(times) if times else None


def code_timing(national_code: str) -> CodeTiming | None:
    """What the code page tells the citizen (decision 55); None when no code was sent."""
    now = timezone.now()
    latest = OneTimeCode.objects.filter(national_code=national_code).order_by("-created_at").first()
    if latest is None:
        return None
    return CodeTiming(latest.expires_at, _next_code_at(_recent_codes(national_code, now)) or now)


def request_code(national_code: str, mobile: str, client: str = "") -> CodeSent:
    """Check the pair with the identity registry and send a fresh code by SMS."""
    _check_lock(national_code)
    now = timezone.now()
    recent = _recent_codes(national_code, now)
    next_at = _next_code_at(recent)
    if next_at is not None and next_at > now:
        time = format_time(next_at, active_language(), round_up=True)
        if now - recent[-1] < RESEND_AFTER:
            raise SignInError(
                "too_soon",
                _("A code was just sent. You can ask for another from %(time)s.") % {"time": time},
            )
        raise SignInError(
            "too_many_codes",
            _(
                "%(count)s codes were sent for this national code in the last hour, the most "
                "allowed. You can ask for a new code from %(time)s."
            )
            % {"count": digits_for_language(CODES_PER_HOUR, active_language()), "time": time},
        )
    if _client_over_limit(client):
        raise SignInError(
            "too_many_requests",
            _("Too many sign-in attempts from your connection. Try again in a few minutes."),
        )
    try:
        backend().inquire(national_code, mobile)
    except IdentityMismatch:
        raise SignInError(
            "mismatch",
            _(
                "This mobile number is not registered to this national code. Use the "
                "mobile registered in your name."
            ),
        ) from None
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        OneTimeCode.objects.filter(national_code=national_code, used_at__isnull=True).update(
            used_at=now
        )
        otp = OneTimeCode.objects.create(
            national_code=national_code,
            mobile=mobile,
            code_hash=_hash(national_code, code),
            expires_at=now + CODE_LIFETIME,
            client=client[:45],
        )
        enqueue_sms(
            mobile,
            f"پیشخوان\nکد ورود شما: {code}\nاین کد تا ۲ دقیقه معتبر است. آن را به کسی ندهید.",
            subject_type="one_time_code",
            subject_id=str(otp.pk),
            event="sign_in_code",
            sensitive=True,
        )
    return CodeSent(national_code, mobile, otp.expires_at)


def verify_code(national_code: str, code: str) -> User:
    """The citizen's account when the code is right; a SignInError saying why otherwise."""
    _check_lock(national_code)
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(national_code=national_code, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if otp is None or otp.expires_at <= timezone.now():
            raise SignInError(
                "expired", _("This code has expired or was replaced. Ask for a new code.")
            )
        if not hmac.compare_digest(otp.code_hash, _hash(national_code, code.strip())):
            OneTimeCode.objects.filter(pk=otp.pk).update(attempts=F("attempts") + 1)
            otp.refresh_from_db(fields=["attempts"])
            left = MAX_TRIES - otp.attempts
            if left <= 0:
                OneTimeCode.objects.filter(pk=otp.pk).update(used_at=timezone.now())
                SignInLock.objects.update_or_create(
                    national_code=national_code,
                    defaults={"locked_until": timezone.now() + LOCK_FOR},
                )
                wrong = SignInError(
                    "locked",
                    _(
                        "Too many wrong codes. Sign-in for this national code is locked for "
                        "15 minutes."
                    ),
                )
            else:
                wrong = SignInError(
                    "wrong",
                    _("The code is wrong. %(left)s tries left.")
                    % {"left": digits_for_language(left, active_language())},
                )
        else:
            otp.used_at = timezone.now()
            otp.save(update_fields=["used_at"])
            wrong = None
    if wrong is not None:
        # Raised after the transaction commits, so the counted try and the lock are kept.
        raise wrong
    return citizen_for(national_code, otp.mobile)
