"""Licensing in the admin: read-only. Applications, licences, suspensions and capacities change
only through their audited steps on the licensing pages (licensing.services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from pishkhan.core.admin import ReadOnlyAdmin
from pishkhan.core.i18n import active_language
from pishkhan.core.jalali import format_jalali_date, format_jalali_datetime

from .models import (
    ApplicationDocument,
    CountyCapacity,
    Licence,
    LicenceApplication,
    RankingRun,
    Suspension,
)


class ApplicationDocumentInline(admin.TabularInline):
    model = ApplicationDocument
    # The model's fields carry no translated names: shown through labelled methods, in Jalali.
    fields = ("document", "kind", "valid", "uploaded")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("Document"))
    def document(self, obj: ApplicationDocument) -> str:
        # Through the application's own download view (its scoping), not the storage's URL.
        url = reverse("licensing:application_document", args=[obj.application_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.title)

    @admin.display(description=_("File type"))
    def kind(self, obj: ApplicationDocument) -> str:
        return obj.content_type.split("/")[-1].upper()

    @admin.display(description=_("Valid until"))
    def valid(self, obj: ApplicationDocument) -> str:
        return format_jalali_date(obj.valid_until, active_language()) if obj.valid_until else "—"

    @admin.display(description=_("Uploaded at"))
    def uploaded(self, obj: ApplicationDocument) -> str:
        return format_jalali_datetime(obj.uploaded_at, active_language())


@admin.register(LicenceApplication)
class LicenceApplicationAdmin(ReadOnlyAdmin):
    list_display = ("submitted_at", "office_name", "county", "status", "manager_national_code")
    list_filter = ("status", "kind", "operator_kind", "county__province")
    search_fields = ("office_name", "company_name", "legal_entity_id", "manager_national_code")
    raw_id_fields = ("applicant", "office")
    list_select_related = ("county",)
    inlines = (ApplicationDocumentInline,)


@admin.register(Licence)
class LicenceAdmin(ReadOnlyAdmin):
    list_display = ("number", "office", "issued_on", "expires_on")
    search_fields = ("number", "office__name")
    raw_id_fields = ("office",)
    list_select_related = ("office",)


@admin.register(Suspension)
class SuspensionAdmin(ReadOnlyAdmin):
    list_display = ("office", "starts_on", "until", "lifted_at", "reason")
    search_fields = ("office__licence_number", "office__name")
    raw_id_fields = ("office",)
    list_select_related = ("office",)


@admin.register(CountyCapacity)
class CountyCapacityAdmin(ReadOnlyAdmin):
    list_display = ("county", "capacity", "effective_from", "note")
    list_filter = ("county__province",)
    search_fields = ("county__name_fa",)
    raw_id_fields = ("decided_by",)
    list_select_related = ("county",)


@admin.register(RankingRun)
class RankingRunAdmin(ReadOnlyAdmin):
    list_display = ("run_at", "period_start", "period_end", "run_by")
    raw_id_fields = ("run_by",)
