"""Complaints and ratings in the admin: read-only. A complaint is decided on the regulator's
pages (one audited decision); ratings are the citizens' own."""

from __future__ import annotations

from django.contrib import admin

from pishkhan.core.admin import ReadOnlyAdmin

from .models import Complaint, Rating


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "office", "status", "resolved_at"]
    list_filter = ["status", "kind", "province"]
    search_fields = ["request__tracking_code", "office__licence_number"]
    list_select_related = ["office"]
    raw_id_fields = ["request", "office", "citizen", "resolved_by"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "score", "service", "office"]
    list_filter = ["score", "agency"]
    search_fields = ["request__tracking_code"]
    list_select_related = ["service", "office"]
    raw_id_fields = ["request", "office", "service", "agency", "province"]
