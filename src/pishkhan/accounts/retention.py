"""What sign-in leaves behind, pruned daily through core.retention (docs/retention.md)."""

from __future__ import annotations

import datetime as dt

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session

from pishkhan.core.retention import delete_in_batches, register

from .models import OneTimeCode, SignInLock


def prune_sign_in_codes(now: dt.datetime) -> int:
    """Citizens' one-time codes (national code, mobile, client address, a hash of the code) after
    PISHKHAN_KEEP_SIGN_IN_CODES_DAYS: long enough to look into abuse of a national code, and far
    longer than the hour the per-hour limits count."""
    cutoff = now - dt.timedelta(days=settings.PISHKHAN_KEEP_SIGN_IN_CODES_DAYS)
    return delete_in_batches(OneTimeCode.objects.filter(created_at__lt=cutoff))


def prune_sign_in_locks(now: dt.datetime) -> int:
    """Lockouts that have ended; a lock in force is never touched."""
    return delete_in_batches(SignInLock.objects.filter(locked_until__lt=now))


def prune_sessions(now: dt.datetime) -> int:
    """Expired sessions: Django never deletes them on its own (``clearsessions`` does this)."""
    return delete_in_batches(Session.objects.filter(expire_date__lt=now))


def prune_staff_sign_ins(now: dt.datetime) -> int:
    """django-axes' record of staff sign-ins (and of failures, where logged), with their addresses
    and browsers, after PISHKHAN_KEEP_STAFF_SIGN_INS_DAYS."""
    cutoff = now - dt.timedelta(days=settings.PISHKHAN_KEEP_STAFF_SIGN_INS_DAYS)
    return delete_in_batches(AccessLog.objects.filter(attempt_time__lt=cutoff)) + delete_in_batches(
        AccessFailureLog.objects.filter(attempt_time__lt=cutoff)
    )


def register_pruners() -> None:
    register("sessions", prune_sessions)
    register("sign-in codes", prune_sign_in_codes)
    register("sign-in locks", prune_sign_in_locks)
    register("staff sign-ins", prune_staff_sign_ins)
