from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiClient, DeliveryStatus, Webhook, WebhookDelivery


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


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Set with ``pishkhan api-client webhook``, which prints the signing secret once; here it
    can be switched off and on. The secret is never shown."""

    list_display = ("client", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    fields = ("client", "url", "is_active", "created_at")
    readonly_fields = ("client", "url", "created_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "webhook",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "created_at",
        "delivered_at",
    )
    list_filter = ("status", "event")
    list_select_related = ("webhook__client",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    @admin.action(description=_("Send again"))
    def send_again(self, request, queryset):  # type: ignore[no-untyped-def]
        count = queryset.exclude(status=DeliveryStatus.SENT).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        self.message_user(request, _("%(count)d deliveries will be sent again.") % {"count": count})
