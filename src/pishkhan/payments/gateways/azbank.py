"""Iran's card-payment gateways through ``az-iranian-bank-gateways`` (optional; needs the network).

A thin adapter: the library registers the payment with the bank (``ready``), sends the payer
there, receives the bank's callback at its own URL (``/bankgateways/callback/``), verifies it with
the bank and sends the browser on to our callback with its tracking code (``?tc=``). We read the
outcome from the library's record (``Bank``) and check the amount ourselves. Turned on by
``PISHKHAN_PAYMENT_GATEWAY=az`` with the library's settings in ``AZ_IRANIAN_BANK_GATEWAYS``
(docs/money.md); tests give it a faked library object.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from .base import (
    FAILED,
    PAID,
    PENDING,
    CallbackClaim,
    CallbackRejected,
    GatewayError,
    StartResult,
    Verification,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ..models import Payment

logger = logging.getLogger(__name__)


class AzLibrary:
    """The parts of the library the adapter uses, imported only when the gateway is used."""

    def __init__(self) -> None:
        from azbankgateways import bankfactories
        from azbankgateways import default_settings as az_settings
        from azbankgateways import models as bank_models
        from azbankgateways.exceptions import AZBankGatewaysException

        self.factory = bankfactories.BankFactory()
        self.Bank = bank_models.Bank
        self.PaymentStatus = bank_models.PaymentStatus
        self.Error: type[Exception] = AZBankGatewaysException
        self.tracking_param: str = az_settings.TRACKING_CODE_QUERY_PARAM


class AzBankGateway:
    name = "az"

    def __init__(self, library: Any = None, bank_type: str = "") -> None:
        self._library = library
        self.bank_type = bank_type

    @property
    def library(self) -> Any:
        if self._library is None:
            self._library = AzLibrary()
        return self._library

    def _status(self, *names: str) -> set[str]:
        status = self.library.PaymentStatus
        return {str(getattr(status, n)) for n in names if hasattr(status, n)}

    def start(self, payment: Payment, *, callback_url: str, request: HttpRequest) -> StartResult:
        lib = self.library
        try:
            bank = (
                lib.factory.create(self.bank_type) if self.bank_type else lib.factory.auto_create()
            )
            bank.set_request(request)
            bank.set_amount(payment.amount_rials)
            bank.set_client_callback_url(callback_url)
            mobile = getattr(payment.invoice.request.citizen, "mobile", "")
            if mobile:
                bank.set_mobile_number(mobile)
            record = bank.ready()
            if hasattr(bank, "get_gateway"):
                gateway = bank.get_gateway()
                url, method = gateway["url"], str(gateway.get("method") or "GET").upper()
                params = {str(k): str(v) for k, v in (gateway.get("params") or {}).items()}
            else:  # older releases: a redirect response
                url, method, params = bank.redirect_gateway().url, "GET", {}
        except lib.Error as exc:
            logger.warning("payment gateway refused to start: %s", exc)
            raise GatewayError(
                "unavailable",
                _("The payment gateway cannot be reached now. Please try again in a few minutes."),
            ) from exc
        return StartResult(str(record.tracking_code), url, method, params)

    def read_callback(self, params: Mapping[str, str]) -> CallbackClaim:
        lib = self.library
        code = params.get(lib.tracking_param, "")
        record = lib.Bank.objects.filter(tracking_code=code).first() if code else None
        if record is None:
            raise CallbackRejected(
                "unknown", _("This answer from the payment gateway names no payment of ours.")
            )
        return CallbackClaim(authority=str(code), succeeded=bool(record.is_success))

    def verify(self, payment: Payment) -> Verification:
        lib = self.library
        record = lib.Bank.objects.filter(tracking_code=payment.authority).first()
        if record is None:
            return Verification(FAILED, message="unknown tracking code")
        if not record.is_success and str(record.status) in self._status("RETURN_FROM_BANK"):
            # Back from the bank but not yet verified (the bank was slow): verify again.
            try:
                bank = lib.factory.create(
                    bank_type=record.bank_type, identifier=record.bank_choose_identifier
                )
                bank.verify(record.tracking_code)
            except lib.Error as exc:
                logger.warning("payment verification failed: %s", exc)
                return Verification(PENDING, message=str(exc))
            record = lib.Bank.objects.get(pk=record.pk)
        if record.is_success:
            return Verification(PAID, int(record.amount), str(record.reference_number or ""))
        if str(record.status) in self._status("WAITING", "REDIRECT_TO_BANK", "RETURN_FROM_BANK"):
            return Verification(PENDING, message=str(record.status))
        return Verification(FAILED, message=str(record.status))
