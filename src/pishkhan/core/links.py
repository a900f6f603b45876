"""Absolute links for messages that leave the site (SMS): a phone cannot follow a bare path."""

from __future__ import annotations

from django.conf import settings


def absolute(path: str) -> str:
    """``/feedback/rate/…/`` → ``https://pishkhan.example/feedback/rate/…/`` (PISHKHAN_SITE_URL)."""
    return f"{settings.PISHKHAN_SITE_URL}{path}"
