"""Receipts (print and PDF with a signed QR code) and their public verification."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
