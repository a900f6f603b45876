"""The gateway interface: what the payment services need from any online payment gateway.

The flow every Iranian card gateway (Shaparak's PSPs) follows, and the sandbox runs for real:

1. ``start``: the merchant registers the payment (amount, callback URL) and gets a token (the
   *authority*); the payer is sent to the gateway's page with it.
2. The payer pays or cancels there; the gateway sends the browser back to the callback URL.
3. ``read_callback``: what the callback claims (which payment, paid or not, for how much) — a
   claim only, the browser carried it.
4. ``verify``: the merchant asks the gateway, server to server, what really happened; verifying
   is also what confirms the transaction — one never verified is returned to the payer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ..models import Payment


class GatewayError(Exception):
    """The gateway could not be reached or refused the request; ``message`` is for the payer."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


class CallbackRejected(GatewayError):
    """A callback that is not what the gateway sent (bad signature, unknown token, tampered)."""


@dataclass(frozen=True)
class StartResult:
    """Where to send the payer: ``url`` by ``method`` (GET, or POST with ``params`` as a form)."""

    authority: str
    url: str
    method: str = "GET"
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CallbackClaim:
    authority: str
    succeeded: bool
    # The amount the callback names, if the gateway sends one (checked against the payment).
    amount_rials: int | None = None


PAID, PENDING, FAILED = "paid", "pending", "failed"


@dataclass(frozen=True)
class Verification:
    """The gateway's own answer: ``paid`` (confirmed now), ``pending`` (the payer may still be
    on the gateway's page) or ``failed``; the amount it took and its reference number."""

    status: str
    amount_rials: int = 0
    reference: str = ""
    message: str = ""


class Gateway(Protocol):
    name: str

    def start(self, payment: Payment, *, callback_url: str, request: HttpRequest) -> StartResult:
        """Register the payment with the gateway; the payer goes to the returned place."""
        ...

    def read_callback(self, params: Mapping[str, str]) -> CallbackClaim:
        """Parse the callback's parameters; raise ``CallbackRejected`` if they are not genuine."""
        ...

    def verify(self, payment: Payment) -> Verification:
        """Ask the gateway what became of the payment, confirming it if it was paid."""
        ...
