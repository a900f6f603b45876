"""Template filters for the Persian UI: digits, Jalali dates and Rials in the active language.

Loaded as a builtin (settings.TEMPLATES), so templates use them without ``{% load %}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms, template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .. import jalali, money, text
from ..i18n import active_language, list_separator

register = template.Library()


def _language() -> str:
    return active_language()


@register.filter
def fa_digits(value: object) -> str:
    """Persian digits in the Persian UI; unchanged in English."""
    if value is None:
        return ""
    return text.digits_for_language(value, _language())


@register.simple_tag(name="list_separator")
def list_separator_tag() -> str:
    """``{% list_separator %}`` between a list's items: the Persian comma only in Persian."""
    return list_separator()


@register.filter
def jdate(value: dt.date | None) -> str:
    """A date (or the date of a datetime, in Tehran) as ``۱۰ آذر ۱۴۰۵``."""
    if not value:
        return ""
    return jalali.format_jalali_date(value, _language())


@register.filter
def jdatetime(value: dt.datetime | None) -> str:
    if not value:
        return ""
    return jalali.format_jalali_datetime(value, _language())


@register.filter
def jdate_numeric(value: dt.date | None) -> str:
    if not value:
        return ""
    numeric = jalali.format_jalali_numeric(value)
    return text.to_persian_digits(numeric) if _language() == "fa" else numeric


@register.filter
def clock(value: dt.datetime | None) -> str:
    """Tehran wall-clock time, ``۱۴:۳۰``."""
    return jalali.format_time(value, _language()) if value else ""


@register.filter
def clock_up(value: dt.datetime | None) -> str:
    """Tehran wall-clock time rounded up to the minute: for "not before" times."""
    return jalali.format_time(value, _language(), round_up=True) if value else ""


@register.filter
def rials(value: int | None) -> str:
    """``۳۰۰٬۰۰۰ ریال`` / ``300,000 Rials``."""
    if value is None:
        return ""
    return money.format_rials(int(value), _language())


@register.filter
def localized(obj: object, attribute: str) -> str:
    """``{{ service|localized:"name" }}``: ``name_en`` in English when it is set, else
    ``name_fa`` with Persian digits."""
    if _language() == "en":
        value = getattr(obj, f"{attribute}_en", "")
        if value:
            return str(value)
        return str(getattr(obj, f"{attribute}_fa", ""))
    return text.to_persian_digits(getattr(obj, f"{attribute}_fa", ""))


@register.filter
def bs_widget(bound_field: Any) -> str:
    """Render a form field's widget with Bootstrap classes and accessible error wiring."""
    widget = bound_field.field.widget
    input_type = getattr(widget, "input_type", "")
    if input_type in ("checkbox", "radio"):
        css = "form-check-input"
    elif input_type == "select" or hasattr(widget, "choices"):
        css = "form-select"
    else:
        css = "form-control"
    attrs: dict[str, str] = {"class": css}
    described = []
    held = getattr(bound_field.field, "held", None)
    if held:
        # A document kept from the last try (decision 44): the note naming it describes the
        # input, and the file picker's face names it instead of "No file chosen" (decision 55).
        described.append(f"{bound_field.auto_id}_held")
        attrs["data-held"] = _("%(name)s (kept)") % {"name": held["name"]}
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
        described.append(f"{bound_field.auto_id}_error")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return bound_field.as_widget(attrs=attrs)  # type: ignore[no-any-return]


@register.filter
def fields_with_errors(form: forms.BaseForm) -> list[Any]:
    """The bound fields of ``form`` that carry an error, in the form's order."""
    return [field for field in form if field.errors]


@register.filter
def error_anchor(bound_field: Any) -> str:
    """The id an error summary links to: the field's input, or the first of a group of radios
    or checkboxes (whose group has no single input)."""
    return str(bound_field.id_for_label or f"{bound_field.auto_id}_0")


@register.simple_tag(takes_context=True)
def error_title(context: template.Context) -> str:
    """ "Error: " before the page's title when a form on the page was refused (decision 55):
    the title is the first thing a screen reader reads of the page that came back. Every bound
    form in the context counts, whatever its name. ``type()``, not ``isinstance``: a lazy value
    (the CSRF token, the user) must not be evaluated for this."""
    for scope in context.dicts:
        for value in scope.values():
            if issubclass(type(value), forms.BaseForm) and value.is_bound and value.errors:
                return _("Error:") + " "
    return ""


@register.filter
def grouped(value: int | None) -> str:
    """A whole number with thousands separators (no unit), in the active language's digits."""
    if value is None:
        return ""
    return money.format_grouped(value, _language())


def _persian_on_a_foreign_page(value: object) -> bool:
    """True when the page is not in Persian and the value is written in Persian (Arabic) script:
    a name, address or place that has no English form."""
    return _language() != "fa" and text.has_persian_script(str(value))


@register.filter(needs_autoescape=True)
def fa_text(value: object, autoescape: bool = True) -> str:
    """Persian-only data (the name of a person, office, county or province, an address, a
    service's Persian name when it has no English one) as ``<bdi lang="fa" dir="rtl">`` on a
    page that is not in Persian, so screen readers speak it with a Persian voice (WCAG 3.1.2);
    on a Persian page, or when it has no Persian letters, the text alone."""
    if value is None:
        return ""
    shown = conditional_escape(value) if autoescape else str(value)
    if _persian_on_a_foreign_page(value):
        return format_html('<bdi lang="fa" dir="rtl">{}</bdi>', shown)
    return shown


@register.filter
def fa_lang(value: object) -> str:
    """`` lang="fa" dir="rtl"`` for the element that holds Persian-only data, on a page that is
    not in Persian (see ``fa_text``): ``<bdi{{ office.name|fa_lang }}>``; else nothing."""
    if value is not None and _persian_on_a_foreign_page(value):
        return mark_safe(' lang="fa" dir="rtl"')
    return ""
