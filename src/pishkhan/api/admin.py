from django.contrib import admin

from .models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Listed and revoked here; made with ``pishkhan api-client create``, which prints the token
    once (a token is never shown again, so the admin cannot make one)."""

    list_display = ("name", "user", "prefix", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "user__username")
    fields = ("name", "user", "prefix", "is_active", "created_at")
    readonly_fields = ("name", "user", "prefix", "created_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
