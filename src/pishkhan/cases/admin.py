from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from pishkhan.accounts.roles import Role
from pishkhan.core.admin import ReadOnlyAdmin

from .models import DataAccess


class RoleFilter(admin.SimpleListFilter):
    """The roles by their names: a filter on the field itself listed its codes."""

    title = _("role")
    parameter_name = "actor_role"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return Role.choices

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        return queryset.filter(actor_role=self.value()) if self.value() else queryset


@admin.register(DataAccess)
class DataAccessAdmin(ReadOnlyAdmin):
    """For an inquiry into who saw a citizen's data (a complaint, a suspected leak): written by
    the platform only, never edited. Only those granted the model's view permission see it."""

    list_display = ("at", "citizen", "kind", "request", "actor", "role", "office", "agency")
    list_filter = ("kind", "via", RoleFilter)
    search_fields = ("citizen__national_code", "actor__username", "request__tracking_code")
    raw_id_fields = ("citizen", "request", "actor")
    date_hierarchy = "at"
    list_select_related = ("citizen", "request", "actor", "office", "agency")

    @admin.display(description=_("role"), ordering="actor_role")
    def role(self, obj: DataAccess) -> str:
        # The role is kept as its code (it is not a field with choices): "agency_admin" was shown.
        return obj.role_label
