"""SMS backends. The embedded default keeps messages in the outbox (shown at /dev/outbox/ when
DEBUG); production sends through an HTTP provider. A backend's ``send`` returns the provider's
message id or raises ``SendError``."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from importlib import import_module
from typing import Protocol

from django.conf import settings


class SendError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmsBackend(Protocol):
    redacts_after_send: bool

    def send(self, mobile: str, text: str) -> str: ...


class OutboxBackend:
    """Delivers nowhere: the outbox row is the message (development and the demo)."""

    redacts_after_send = False

    def send(self, mobile: str, text: str) -> str:
        return "outbox"


class KavenegarBackend:
    """Kavenegar's REST API (https://kavenegar.com/rest.html): sms/send.json."""

    redacts_after_send = True
    url = "https://api.kavenegar.com/v1/{key}/sms/send.json"

    def __init__(
        self, api_key: str | None = None, sender: str | None = None, timeout: float = 10
    ) -> None:
        self.api_key = api_key or settings.KAVENEGAR_API_KEY
        self.sender = sender if sender is not None else settings.KAVENEGAR_SENDER
        self.timeout = timeout

    def send(self, mobile: str, text: str) -> str:
        data = {"receptor": mobile, "message": text}
        if self.sender:
            data["sender"] = self.sender
        request = urllib.request.Request(
            self.url.format(key=self.api_key),
            data=urllib.parse.urlencode(data).encode(),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            # 4xx: the request itself is wrong (bad key, bad number): retrying will not help.
            raise SendError(f"HTTP {exc.code}", permanent=400 <= exc.code < 500) from exc
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise SendError(f"provider unreachable: {exc}") from exc
        status = body.get("return", {}).get("status")
        if status != 200:
            raise SendError(
                f"provider status {status}: {body.get('return', {}).get('message', '')}"
            )
        entries = body.get("entries") or [{}]
        return str(entries[0].get("messageid", ""))


def sms_backend() -> SmsBackend:
    module, _, name = settings.PISHKHAN_SMS_BACKEND.rpartition(".")
    return getattr(import_module(module), name)()  # type: ignore[no-any-return]
