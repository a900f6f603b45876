"""Online payment gateways: the interface (``base``), the built-in sandbox and the adapter to
Iran's card gateways. ``get_gateway(name)`` gives the one a payment was made through;
``default_gateway()`` the one new payments use (``PISHKHAN_PAYMENT_GATEWAY``)."""

from __future__ import annotations

from django.conf import settings

from .base import (
    FAILED,
    PAID,
    PENDING,
    CallbackClaim,
    CallbackRejected,
    Gateway,
    GatewayError,
    StartResult,
    Verification,
)

__all__ = [
    "FAILED",
    "PAID",
    "PENDING",
    "CallbackClaim",
    "CallbackRejected",
    "Gateway",
    "GatewayError",
    "StartResult",
    "Verification",
    "default_gateway",
    "get_gateway",
]


def get_gateway(name: str) -> Gateway:
    if name == "sandbox":
        from .sandbox import SandboxGateway

        return SandboxGateway()
    if name == "az" and settings.PISHKHAN_PAYMENT_GATEWAY == "az":
        from .azbank import AzBankGateway

        return AzBankGateway(bank_type=settings.PISHKHAN_AZ_BANK_TYPE)
    raise GatewayError("unknown_gateway", f"no payment gateway named {name!r}")


def default_gateway() -> Gateway:
    return get_gateway(settings.PISHKHAN_PAYMENT_GATEWAY)
