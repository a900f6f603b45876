"""System checks (``pishkhan check``, and before ``migrate`` and ``runserver``): a configured
signing key or retired key that cannot be read stops a deployment there, with the setting named,
instead of at the first receipt printed or verified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import signing


@checks.register(checks.Tags.security)
def signing_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    key = getattr(settings, "PISHKHAN_SIGNING_KEY", "")
    if key:
        try:
            signing._key_from_pem(key)
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id="pishkhan.E001"))
    sources = [(getattr(settings, "PISHKHAN_RETIRED_SIGNING_KEYS", ""), "setting")]
    retired_file = Path(settings.VAR_DIR) / signing.RETIRED_KEYS_FILE_NAME
    if not key and retired_file.exists():  # the embedded default's, as signing reads it
        sources.append((retired_file.read_text(encoding="ascii"), str(retired_file)))
    for text, source in sources:
        try:
            signing._public_keys_from_pem(text, source)
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id="pishkhan.E002"))
    return errors


@checks.register(checks.Tags.security, deploy=True)
def signing_key_is_shared(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``pishkhan check --deploy``: without a configured key each node signs with a key of its own
    making (in its var folder), so a receipt printed on one node fails the offline check against
    the key another node publishes, and a rebuilt node changes the key."""
    if getattr(settings, "PISHKHAN_SIGNING_KEY", ""):
        return []
    return [
        checks.Warning(
            "PISHKHAN_SIGNING_KEY is not set: this node signs receipts and certificates with a "
            f"key it made in {settings.VAR_DIR}, which no other node shares.",
            hint="Give every node the same key: PISHKHAN_SIGNING_KEY_FILE (docs/receipts.md).",
            id="pishkhan.W001",
        )
    ]
