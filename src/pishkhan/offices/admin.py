from django.contrib import admin

from pishkhan.core.admin import NormalizingAdmin

from .models import Office


@admin.register(Office)
class OfficeAdmin(NormalizingAdmin):
    list_display = ["name", "licence_number", "province", "county", "status"]
    list_filter = ["status", "province"]
    search_fields = ["name", "licence_number"]
    autocomplete_fields = ["county"]
    exclude = ["province"]
