from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from .forms import JalaliDateField, NormalizingModelForm
from .models import CalendarOverride, County, Province

_NUMBER_INPUT = {"widget": forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"})}


# Admin forms take input like every other form: normalised (ي/ك, digits, spaces), numbers in
# text inputs (a browser's number input refuses Persian digits) and dates in Jalali.
FORMFIELD_OVERRIDES = {
    models.URLField: {"assume_scheme": "https"},
    models.DateField: {"form_class": JalaliDateField, "widget": JalaliDateField().widget},
    models.IntegerField: _NUMBER_INPUT,
    models.BigIntegerField: _NUMBER_INPUT,
    models.PositiveSmallIntegerField: _NUMBER_INPUT,
    models.PositiveIntegerField: _NUMBER_INPUT,
}


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records decided elsewhere (an audited step on their own pages, an import): shown, never
    added, changed or deleted in the admin."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class NormalizingAdmin(admin.ModelAdmin):
    form = NormalizingModelForm
    formfield_overrides = FORMFIELD_OVERRIDES


class RequestFormAdmin(NormalizingAdmin):
    """An admin whose form takes the request as ``request=`` (a form whose choices or checks
    depend on who is editing: an agency's administrator sees and may name only its own)."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form_class):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, request=request, **kw)

        return RequestForm


class NormalizingTabularInline(admin.TabularInline):
    form = NormalizingModelForm
    formfield_overrides = FORMFIELD_OVERRIDES


class NormalizingStackedInline(admin.StackedInline):
    form = NormalizingModelForm
    formfield_overrides = FORMFIELD_OVERRIDES


@admin.register(Province)
class ProvinceAdmin(NormalizingAdmin):
    list_display = ["name_fa", "name_en", "sci_code", "iso_code", "population_2016"]
    search_fields = ["name_fa", "name_en"]


@admin.register(County)
class CountyAdmin(NormalizingAdmin):
    list_display = ["name_fa", "province", "sci_code"]
    list_filter = ["province"]
    search_fields = ["name_fa"]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(NormalizingAdmin):
    list_display = ["title", "date", "is_holiday"]  # Jalali in Persian (core.admin_dates)
