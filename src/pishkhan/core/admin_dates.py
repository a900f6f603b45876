"""Dates in Django's admin: Jalali with Persian digits in Persian, Django's own in English.

Django formats every date the admin shows in three places, none of which a ModelAdmin can
override: the change lists' cells and the read-only fields of change pages both go through
``django.contrib.admin.utils.display_for_field`` / ``display_for_value`` (imported by name into
``templatetags.admin_list`` and ``helpers``), the history page through the ``date`` filter, and
the date hierarchy through its template tag. ``install()`` (called once by ``CoreConfig.ready``)
wraps the two display functions where the admin looks them up — the only patch, kept to this
module and refused loudly if Django's layout changes; the history page and the hierarchy are
template overrides (``templates/admin/object_history.html``, ``templates/admin/change_list.html``)
using ``admin_date`` and ``jalali_date_hierarchy`` below; the date filters are Django's own
registry of field filters (``FieldListFilter.register``). Decision 65.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import jdatetime
from django.contrib.admin import filters as admin_filters
from django.contrib.admin import helpers as admin_helpers
from django.contrib.admin import utils as admin_utils
from django.contrib.admin.templatetags import admin_list
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from . import jalali
from .i18n import active_language
from .text import to_persian_digits

# --- how one value reads --------------------------------------------------------------------


def _local(value: dt.datetime) -> dt.datetime:
    """The wall-clock time in the current time zone (``TIME_ZONE``, Tehran's): a naive value is
    taken to be already local, as Django's ``template_localtime`` takes it."""
    if timezone.is_naive(value):
        return value
    return timezone.localtime(value)


def jalali_text(value: dt.date) -> str:
    """``۱۰ آذر ۱۴۰۵`` for a date, ``۱۰ آذر ۱۴۰۵، ساعت ۱۴:۳۰`` for a date-time (local time)."""
    if isinstance(value, dt.datetime):
        # A naive value is local time (Django's convention); jalali takes naive as UTC.
        aware = timezone.make_aware(value) if timezone.is_naive(value) else value
        return jalali.format_jalali_datetime(aware, "fa")
    return jalali.format_jalali_date(value, "fa")


def admin_date(value: dt.date | None) -> str:
    """A date or date-time as the admin shows it in the active language (the history page)."""
    if value is None or value == "":
        return ""
    if active_language() == "fa":
        return jalali_text(value)
    if isinstance(value, dt.datetime):
        return formats.localize(timezone.template_localtime(value))
    return formats.localize(value)


# --- the admin's cells and read-only fields ---------------------------------------------------

_INSTALLED = "_pishkhan_jalali"


def _wrap_display_for_field(original: Callable[..., Any]) -> Callable[..., Any]:
    def display_for_field(
        value: Any, field: Any, empty_value_display: Any, avoid_link: bool = False
    ) -> Any:
        # Choices name their values; an empty value is Django's "—" either way.
        if (
            active_language() == "fa"
            and isinstance(field, models.DateField)
            and isinstance(value, dt.date)
            and not getattr(field, "flatchoices", None)
        ):
            return jalali_text(value)
        return original(value, field, empty_value_display, avoid_link=avoid_link)

    setattr(display_for_field, _INSTALLED, original)
    return display_for_field


def _wrap_display_for_value(original: Callable[..., Any]) -> Callable[..., Any]:
    def display_for_value(value: Any, empty_value_display: Any, boolean: bool = False) -> Any:
        # A ModelAdmin's method or a model's property that returns a date.
        if active_language() == "fa" and not boolean and isinstance(value, dt.date):
            return jalali_text(value)
        return original(value, empty_value_display, boolean)

    setattr(display_for_value, _INSTALLED, original)
    return display_for_value


# Where Django's admin looks the two functions up: each module bound the names when imported.
_MODULES = (admin_utils, admin_list, admin_helpers)


def install() -> None:
    """Wrap ``display_for_field`` and ``display_for_value`` in every admin module that calls
    them. Idempotent. Refuses to start if a module no longer has Django's own function there
    (a Django upgrade that moved them): the admin would silently go back to Gregorian dates."""
    if is_installed():
        return
    originals = {
        name: getattr(admin_utils, name) for name in ("display_for_field", "display_for_value")
    }
    wrapped = {
        "display_for_field": _wrap_display_for_field(originals["display_for_field"]),
        "display_for_value": _wrap_display_for_value(originals["display_for_value"]),
    }
    for module in _MODULES:
        for name, original in originals.items():
            current = getattr(module, name, None)
            if name == "display_for_value" and module is admin_helpers and current is None:
                continue  # helpers calls only display_for_field
            if current is not original:
                raise ImproperlyConfigured(
                    f"{module.__name__}.{name} is not Django's admin function any more; "
                    "pishkhan.core.admin_dates cannot show the admin's dates in Jalali."
                )
    for module in _MODULES:
        for name, function in wrapped.items():
            if hasattr(module, name):
                setattr(module, name, function)
    admin_filters.FieldListFilter.register(
        lambda field: isinstance(field, models.DateField),
        JalaliDateFieldListFilter,
        take_priority=True,
    )


def is_installed() -> bool:
    return all(
        hasattr(getattr(module, name), _INSTALLED)
        for module in _MODULES
        for name in ("display_for_field", "display_for_value")
        if hasattr(module, name)
    )


# --- the date filters ("Today", "This month", …) ----------------------------------------------


class JalaliDateFieldListFilter(admin_filters.DateFieldListFilter):
    """Django's date filter, whose "this month" and "this year" are the Jalali month and year in
    Persian (in English Django's, the Gregorian ones). Same parameters, so links keep working
    when the language changes."""

    def __init__(
        self, field: Any, request: Any, params: Any, model: Any, model_admin: Any, field_path: str
    ) -> None:
        super().__init__(field, request, params, model, model_admin, field_path)
        if active_language() != "fa":
            return
        today = timezone.localdate()
        j_today = jdatetime.date.fromgregorian(date=today)
        month_start = jdatetime.date(j_today.year, j_today.month, 1)
        year_start = jdatetime.date(j_today.year, 1, 1)
        # Django's links are (title, lookups); its "this month" and "this year" are found by
        # their titles, in the same language.
        bounds = {
            _("This month"): (month_start, _next_month(month_start)),
            _("This year"): (year_start, jdatetime.date(j_today.year + 1, 1, 1)),
        }
        since, until = self.lookup_kwarg_since, self.lookup_kwarg_until
        links = []
        for title, query in self.links:
            if str(title) in bounds:
                start, end = bounds[str(title)]
                query = {since: _bound(field, start), until: _bound(field, end)}
            links.append((title, query))
        self.links = tuple(links)


# --- the date hierarchy -----------------------------------------------------------------------


def _next_month(first: jdatetime.date) -> jdatetime.date:
    if first.month == 12:
        return jdatetime.date(first.year + 1, 1, 1)
    return jdatetime.date(first.year, first.month + 1, 1)


def _bound(field: Any, day: jdatetime.date) -> Any:
    """The start of a Jalali day as the field's lookup value: a date, or local midnight."""
    gregorian = day.togregorian()
    if isinstance(field, models.DateTimeField):
        return timezone.make_aware(dt.datetime.combine(gregorian, dt.time.min))
    return gregorian


def _as_jalali_day(field: Any, raw: str | None) -> jdatetime.date | None:
    """A ``__gte``/``__lt`` value back as a Jalali day, if it is the start of one."""
    if not raw:
        return None
    try:
        parsed: dt.date | None = (
            parse_datetime(raw) or parse_date(raw)
            if isinstance(field, models.DateTimeField)
            else parse_date(raw)
        )
    except ValueError:
        return None
    if parsed is None:
        return None
    if isinstance(parsed, dt.datetime):
        local = _local(parsed)
        if local.time() != dt.time.min:
            return None
        parsed = local.date()
    return jdatetime.date.fromgregorian(date=parsed)


def _selected(field: Any, since: str | None, until: str | None) -> tuple[int, ...]:
    """The Jalali (year,), (year, month) or (year, month, day) the range is, else ()."""
    start, end = _as_jalali_day(field, since), _as_jalali_day(field, until)
    if start is None or end is None:
        return ()
    if end == start + dt.timedelta(days=1):
        return (start.year, start.month, start.day)
    if start.day == 1 and end == _next_month(start):
        return (start.year, start.month)
    if (start.month, start.day) == (1, 1) and end == jdatetime.date(start.year + 1, 1, 1):
        return (start.year,)
    return ()


def _year_title(year: int) -> str:
    return to_persian_digits(str(year))


def _month_title(year: int, month: int) -> str:
    return to_persian_digits(f"{jalali.MONTHS_FA[month - 1]} {year}")


def _day_title(day: jdatetime.date) -> str:
    return to_persian_digits(f"{day.day} {jalali.MONTHS_FA[day.month - 1]}")


def _days_present(cl: Any, field_name: str, is_datetime: bool) -> list[jdatetime.date]:
    """The Jalali days that have rows in the list as filtered, oldest first.

    Jalali months and years do not fall on Gregorian ones, so the days are asked for (the
    list is already narrowed to the year or month shown, as Django's own hierarchy narrows it)."""
    kind = "datetimes" if is_datetime else "dates"
    days: Iterable[dt.date] = getattr(cl.queryset, kind)(field_name, "day")
    result = []
    for day in days:
        if isinstance(day, dt.datetime):
            day = _local(day).date()
        result.append(jdatetime.date.fromgregorian(date=day))
    return sorted(set(result))


def jalali_date_hierarchy(cl: Any) -> dict[str, Any]:
    """The context of ``admin/date_hierarchy.html`` for a Jalali drill-down (Persian only).

    Its links filter by ``<field>__gte`` and ``<field>__lt`` at local midnight, lookups Django's
    change list applies as they are, so nothing else in the admin needs to know Jalali."""
    field_name = cl.date_hierarchy
    field = admin_utils.get_fields_from_path(cl.model, field_name)[-1]
    since_key, until_key = f"{field_name}__gte", f"{field_name}__lt"

    def link(start: jdatetime.date | None = None, end: jdatetime.date | None = None) -> str:
        params = (
            {}
            if start is None or end is None
            else {
                since_key: str(_bound(field, start)),
                until_key: str(_bound(field, end)),
            }
        )
        query: str = cl.get_query_string(params, [f"{field_name}__"])
        return query

    chosen = _selected(field, cl.params.get(since_key), cl.params.get(until_key))
    days = _days_present(cl, field_name, isinstance(field, models.DateTimeField))
    if not chosen and days and days[0].year == days[-1].year:
        # Like Django's: one year (or one month) of rows opens on it.
        chosen = (days[0].year,)
        if days[0].month == days[-1].month:
            chosen = (days[0].year, days[0].month)
    if len(chosen) == 3:
        year, month, day_of_month = chosen
        day = jdatetime.date(year, month, day_of_month)
        first = jdatetime.date(year, month, 1)
        return {
            "show": True,
            "back": {"link": link(first, _next_month(first)), "title": _month_title(year, month)},
            "choices": [{"title": _day_title(day)}],
        }
    if len(chosen) == 2:
        year, month = chosen
        return {
            "show": True,
            "back": {
                "link": link(jdatetime.date(year, 1, 1), jdatetime.date(year + 1, 1, 1)),
                "title": _year_title(year),
            },
            "choices": [
                {"link": link(day, day + dt.timedelta(days=1)), "title": _day_title(day)}
                for day in days
                if (day.year, day.month) == (year, month)
            ],
        }
    if len(chosen) == 1:
        (year,) = chosen
        months = sorted({day.month for day in days if day.year == year})
        return {
            "show": True,
            "back": {"link": link(), "title": _("All dates")},
            "choices": [
                {
                    "link": link(
                        jdatetime.date(year, month, 1),
                        _next_month(jdatetime.date(year, month, 1)),
                    ),
                    "title": _month_title(year, month),
                }
                for month in months
            ],
        }
    years = sorted({day.year for day in days})
    return {
        "show": True,
        "back": None,
        "choices": [
            {
                "link": link(jdatetime.date(year, 1, 1), jdatetime.date(year + 1, 1, 1)),
                "title": _year_title(year),
            }
            for year in years
        ],
    }
