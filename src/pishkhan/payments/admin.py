"""The admin: refund rules (an agency administrator edits its own services' rules), and the
money rows, read-only — money moves only through ``payments.services``, never by an edit."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from pishkhan.catalog.admin import ScopedToAgencyMixin
from pishkhan.core.admin import NormalizingAdmin

from .models import Invoice, LedgerEntry, Payment, Refund, RefundRule


@admin.register(RefundRule)
class RefundRuleAdmin(ScopedToAgencyMixin, NormalizingAdmin):
    list_display = ["service", "state", "refund_government", "refund_office_fee"]
    list_filter = ["state", "service__agency"]
    search_fields = ["service__name_fa", "service__code"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = ["method", "status", "amount_rials", "gateway", "reference", "settled_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ["amount_rials", "lines", "reason", "rule", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["request", "office", "agency", "total_rials", "status", "created_at"]
    list_filter = ["status", "agency"]
    search_fields = ["request__tracking_code", "verification_code"]
    list_select_related = ["request", "office", "agency"]
    inlines = [PaymentInline, RefundInline]


# A ledger row's fee line is kept as its code ("government", "office_fee", "vat"), which the
# admin's list and filter showed; these are the settlement page's names for the three.
LINE_NAMES = {
    "government": _("Government fee (owed to the agency)"),
    "office_fee": _("Office fee (the office's)"),
    "vat": _("VAT (owed to the tax office)"),
}


class LineFilter(admin.SimpleListFilter):
    title = _("fee line")
    parameter_name = "line"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return list(LINE_NAMES.items())

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        return queryset.filter(line=self.value()) if self.value() else queryset


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "movement", "line_name", "amount_rials", "collector", "agency", "method"]
    list_filter = ["movement", LineFilter, "method"]
    list_select_related = ["collector", "agency"]
    date_hierarchy = "at"

    @admin.display(description=_("fee line"), ordering="line")
    def line_name(self, obj: LedgerEntry) -> str:
        return str(LINE_NAMES.get(obj.line, obj.line))
