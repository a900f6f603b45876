"""The built-in sandbox gateway: the real flow without a bank.

It keeps its own books (``SandboxTransaction``) as a bank's payment service does, serves its own
payment page (``/sandbox-gateway/<authority>/``, where the payer pays or cancels), sends the
browser back to the merchant's callback with a **signed** token, and answers the merchant's
server-side verification from its books — confirming the transaction as it does, so that a paid
transaction the merchant never verifies counts as returned to the payer. No real money moves.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import SandboxStatus, SandboxTransaction
from .base import FAILED, PAID, PENDING, CallbackClaim, CallbackRejected, StartResult, Verification

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ..models import Payment

SALT = "pishkhan.payments.sandbox-gateway"
# A callback token older than this is refused (a gateway's answer is used at once).
CALLBACK_MAX_AGE = 3600


class SandboxGateway:
    name = "sandbox"

    def start(self, payment: Payment, *, callback_url: str, request: HttpRequest) -> StartResult:
        authority = secrets.token_urlsafe(24)
        SandboxTransaction.objects.create(
            authority=authority, amount_rials=payment.amount_rials, callback_url=callback_url
        )
        return StartResult(authority, reverse("payments:sandbox_gateway", args=[authority]))

    def read_callback(self, params: Mapping[str, str]) -> CallbackClaim:
        token = params.get("token", "")
        try:
            data = signing.loads(token, salt=SALT, max_age=CALLBACK_MAX_AGE)
            return CallbackClaim(
                authority=str(data["authority"]),
                succeeded=data["status"] == SandboxStatus.PAID,
                amount_rials=int(data["amount"]),
            )
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise CallbackRejected(
                "signature",
                _("This answer from the payment gateway is not genuine; nothing was changed."),
            ) from None

    def verify(self, payment: Payment) -> Verification:
        with transaction.atomic():
            record = (
                SandboxTransaction.objects.select_for_update()
                .filter(authority=payment.authority)
                .first()
            )
            if record is None:
                return Verification(FAILED, message="unknown authority")
            if record.status == SandboxStatus.CREATED:
                return Verification(PENDING)
            if record.status == SandboxStatus.CANCELLED:
                return Verification(FAILED, message="cancelled by the payer")
            if record.amount_rials != payment.amount_rials:
                # Never confirmed: the bank returns the money.
                return Verification(FAILED, record.amount_rials, message="amount differs")
            if record.verified_at is None:
                record.verified_at = timezone.now()
                record.save(update_fields=["verified_at"])
            return Verification(PAID, record.amount_rials, record.reference)


def callback_token(record: SandboxTransaction) -> str:
    return signing.dumps(
        {"authority": record.authority, "status": record.status, "amount": record.amount_rials},
        salt=SALT,
    )


def decide(authority: str, pay: bool) -> str | None:
    """The payer pays (or cancels) on the sandbox's page; returns where the browser goes next —
    the merchant's callback with the signed token — or None for an unknown authority. Deciding
    again changes nothing and leads to the same answer."""
    with transaction.atomic():
        record = SandboxTransaction.objects.select_for_update().filter(authority=authority).first()
        if record is None:
            return None
        if record.status == SandboxStatus.CREATED:
            if pay:
                record.status = SandboxStatus.PAID
                record.paid_at = timezone.now()
                record.reference = "".join(secrets.choice("0123456789") for _ in range(12))
            else:
                record.status = SandboxStatus.CANCELLED
            record.save(update_fields=["status", "paid_at", "reference"])
    separator = "&" if "?" in record.callback_url else "?"
    return f"{record.callback_url}{separator}{urlencode({'token': callback_token(record)})}"
