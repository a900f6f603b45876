from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import DataAccess


@admin.register(DataAccess)
class DataAccessAdmin(admin.ModelAdmin):
    """For an inquiry into who saw a citizen's data (a complaint, a suspected leak): written by
    the platform only, never edited. Only those granted the model's view permission see it."""

    list_display = ("at", "citizen", "kind", "request", "actor", "actor_role", "office", "agency")
    list_filter = ("kind", "via", "actor_role")
    search_fields = ("citizen__national_code", "actor__username", "request__tracking_code")
    raw_id_fields = ("citizen", "request", "actor")
    date_hierarchy = "at"
    list_select_related = ("citizen", "request", "actor", "office", "agency")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
