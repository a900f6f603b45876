from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pishkhan.catalog.models import Service
from pishkhan.core.admin import NormalizingAdmin, NormalizingTabularInline
from pishkhan.core.forms import NormalizingModelForm

from . import services
from .models import Office, OfficeService


class OfficeServiceForm(NormalizingModelForm):
    class Meta:
        model = OfficeService
        fields = ["service", "office_fee_rials"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An offering is one service: to offer another, add a row (and delete this one).
        if self.instance.pk and "service" in self.fields:
            field = self.fields["service"]
            field.disabled = True
            field.queryset = Service.objects.filter(  # type: ignore[attr-defined]
                pk=self.instance.service_id
            )


class OfficeServiceInline(NormalizingTabularInline):
    """The services an office offers and its own fee for each (checked against the cap)."""

    model = OfficeService
    form = OfficeServiceForm
    extra = 0

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "service":
            kwargs["queryset"] = (
                Service.objects.active()
                .filter(offered_at_office=True)
                .order_by("agency__name_fa", "name_fa")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Office)
class OfficeAdmin(NormalizingAdmin):
    list_display = ["name", "licence_number", "province", "county", "status"]
    list_filter = ["status", "province"]
    search_fields = ["name", "licence_number"]
    autocomplete_fields = ["county"]
    exclude = ["province", "workflow", "version"]
    # The rank is the ranking's to set (licensing.ranking), the status the licence workflow's
    # (the regulator's pages): never typed in.
    readonly_fields = ["rank", "status"]
    inlines = [OfficeServiceInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not OfficeService:
            super().save_formset(request, form, formset, change)
            return
        # Every fee goes through the one writer, which checks it against today's cap.
        offerings = formset.save(commit=False)
        for removed in formset.deleted_objects:
            removed.delete()
        for offering in offerings:
            services.set_office_fee(form.instance, offering.service, offering.office_fee_rials)
