"""The admin's dates in the active language (decision 65): loaded by the admin's templates that
Pishkhan overrides (``admin/change_list.html``, ``admin/object_history.html``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy

from .. import admin_dates
from ..i18n import active_language

register = template.Library()


@register.filter
def admin_date(value: dt.date | None) -> str:
    """Jalali with Persian digits in Persian, Django's date format in English."""
    return admin_dates.admin_date(value)


@register.inclusion_tag("admin/date_hierarchy.html")
def jalali_date_hierarchy(cl: Any) -> dict[str, Any]:
    """The change list's date hierarchy: Jalali years, months and days in Persian, Django's own
    in English."""
    if not cl.date_hierarchy:
        return {}
    if active_language() == "fa":
        return admin_dates.jalali_date_hierarchy(cl)
    return date_hierarchy(cl) or {}
