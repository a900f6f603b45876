"""Settlement: what each office collected and owes each agency, for a period."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
