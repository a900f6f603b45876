"""The admin: refund rules (an agency administrator edits its own services' rules), and the
money rows, read-only — money moves only through ``payments.services``, never by an edit."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

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


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "movement", "line", "amount_rials", "collector", "agency", "method"]
    list_filter = ["movement", "line", "method"]
    list_select_related = ["collector", "agency"]
    date_hierarchy = "at"
