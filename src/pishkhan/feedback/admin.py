"""Complaints and ratings in the admin: read-only. A complaint is decided on the regulator's
pages (one audited decision); ratings are the citizens' own."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Complaint, Rating


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(_ReadOnly):
    list_display = ["created_at", "kind", "office", "status", "resolved_at"]
    list_filter = ["status", "kind", "province"]
    search_fields = ["request__tracking_code", "office__licence_number"]
    list_select_related = ["office"]
    raw_id_fields = ["request", "office", "citizen", "resolved_by"]


@admin.register(Rating)
class RatingAdmin(_ReadOnly):
    list_display = ["created_at", "score", "service", "office"]
    list_filter = ["score", "agency"]
    search_fields = ["request__tracking_code"]
    list_select_related = ["service", "office"]
    raw_id_fields = ["request", "office", "service", "agency", "province"]
