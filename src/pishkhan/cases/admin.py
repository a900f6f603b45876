from django.contrib import admin

from pishkhan.core.admin import ReadOnlyAdmin

from .models import DataAccess


@admin.register(DataAccess)
class DataAccessAdmin(ReadOnlyAdmin):
    """For an inquiry into who saw a citizen's data (a complaint, a suspected leak): written by
    the platform only, never edited. Only those granted the model's view permission see it."""

    list_display = ("at", "citizen", "kind", "request", "actor", "actor_role", "office", "agency")
    list_filter = ("kind", "via", "actor_role")
    search_fields = ("citizen__national_code", "actor__username", "request__tracking_code")
    raw_id_fields = ("citizen", "request", "actor")
    date_hierarchy = "at"
    list_select_related = ("citizen", "request", "actor", "office", "agency")
