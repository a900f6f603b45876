from __future__ import annotations

from django.urls import URLPattern

app_name = "feedback"
urlpatterns: list[URLPattern] = []
