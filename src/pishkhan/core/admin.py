from django.contrib import admin
from django.db import models

from .forms import NormalizingModelForm
from .models import CalendarOverride, County, Province


class NormalizingAdmin(admin.ModelAdmin):
    """Admin whose forms normalise input like every other form (ي/ك, digits, spaces)."""

    form = NormalizingModelForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


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
    list_display = ["date", "title", "is_holiday"]
