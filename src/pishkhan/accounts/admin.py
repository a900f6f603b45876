from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "province", "agency", "office"]
    list_filter = ["role", "province", "is_active"]
    search_fields = ["username", "first_name", "last_name", "national_code", "mobile"]
    autocomplete_fields = ["province", "agency", "office"]
    scope_fields = ("role", "national_code", "mobile", "province", "agency", "office")
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Role and scope"), {"fields": scope_fields}))
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": scope_fields}),
    )
