"""Paying an invoice: at the counter (cash, POS) and online through a gateway."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
