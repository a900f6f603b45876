"""The admin's dates in Persian are Jalali with Persian digits, in Tehran's time; in English they
are Django's own Gregorian ones (decision 65): change lists, read-only fields, the history page,
the date hierarchy and the date filters."""

from __future__ import annotations

import datetime as dt
import html
import re

import jdatetime
import pytest
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.templatetags import admin_list
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.utils import timezone, translation

from pishkhan.accounts.models import Role, User
from pishkhan.core.models import CalendarOverride
from pishkhan.notify.models import OutboxMessage

pytestmark = pytest.mark.django_db

# 10:55 UTC is 14:25 in Tehran, on 11 Azar 1405.
AT = dt.datetime(2026, 12, 2, 10, 55, tzinfo=dt.UTC)
AT_FA = "۱۱ آذر ۱۴۰۵، ساعت ۱۴:۲۵"
AT_EN = "Dec. 2, 2026, 2:25 p.m."
GREGORIAN_FIELDS = (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField)


@pytest.fixture
def national_admin(client):
    user = User.objects.get(username="admin")
    assert user.role == Role.NATIONAL_ADMIN
    client.force_login(user)
    return user


def gregorian_year_in(text: str) -> bool:
    """2026 as a year, not inside a longer figure such as a random tracking code in an SMS."""
    return re.search(r"(?<![0-9])2026(?![0-9])", text) is not None


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def result_cells(page: str) -> str:
    """The change list's table alone (the filters and the hierarchy are checked apart)."""
    start = page.index('id="result_list"')
    return page[start : page.index("</table>", start)]


def test_a_change_list_shows_a_date_time_in_jalali_with_persian_digits(client, national_admin):
    message = OutboxMessage.objects.create(recipient="09120000000", body="سلام")
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=AT)

    cells = result_cells(page_text(client, "/admin/notify/outboxmessage/"))
    assert AT_FA in cells
    assert "دسامبر" not in cells and not gregorian_year_in(cells)

    english(client)
    cells = result_cells(page_text(client, "/admin/notify/outboxmessage/"))
    assert AT_EN in cells
    assert "آذر" not in cells


def test_a_change_list_shows_a_date_in_jalali(client, national_admin):
    CalendarOverride.objects.create(date=dt.date(2026, 3, 21), title="نوروز آزمون")

    cells = result_cells(page_text(client, "/admin/core/calendaroverride/"))
    assert "۱ فروردین ۱۴۰۵" in cells
    assert "مارس" not in cells and not gregorian_year_in(cells)
    # The column is the field itself, so it still sorts by date.
    assert 'class="sortable' in page_text(client, "/admin/core/calendaroverride/")

    english(client)
    cells = result_cells(page_text(client, "/admin/core/calendaroverride/"))
    assert "March 21, 2026" in cells
    assert "فروردین" not in cells


def test_read_only_dates_on_a_change_page_are_jalali(client, national_admin):
    message = OutboxMessage.objects.create(recipient="09120000000", body="سلام")
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=AT, sent_at=AT)
    url = f"/admin/notify/outboxmessage/{message.pk}/change/"

    page = page_text(client, url)
    assert page.count(AT_FA) == 2
    assert "دسامبر" not in page

    english(client)
    page = page_text(client, url)
    assert page.count(AT_EN) == 2
    assert "آذر" not in page


def test_the_history_page_is_jalali(client, national_admin):
    override = CalendarOverride.objects.create(date=dt.date(2026, 3, 21), title="نوروز آزمون")
    entry = LogEntry.objects.create(
        user=national_admin,
        content_type=ContentType.objects.get_for_model(CalendarOverride),
        object_id=str(override.pk),
        object_repr=str(override),
        action_flag=CHANGE,
        change_message="[]",
    )
    LogEntry.objects.filter(pk=entry.pk).update(action_time=AT)
    url = f"/admin/core/calendaroverride/{override.pk}/history/"

    page = page_text(client, url)
    table = page[page.index('id="change-history"') :]
    assert AT_FA in table
    assert "دسامبر" not in table and not gregorian_year_in(table)
    assert "۱ entry" not in table and "1 entry" not in table  # the count in Persian digits too

    english(client)
    assert AT_EN in page_text(client, url)


def test_a_method_that_returns_a_date_is_shown_in_jalali():
    with translation.override("fa"):
        assert admin_list.display_for_value(dt.date(2026, 3, 21), "-") == "۱ فروردین ۱۴۰۵"
        assert admin_list.display_for_value(AT, "-") == AT_FA
        assert admin_list.display_for_value(None, "-") == "-"
    with translation.override("en"):
        assert admin_list.display_for_value(dt.date(2026, 3, 21), "-") == "March 21, 2026"


def _attempt(at: dt.datetime, username: str) -> None:
    attempt = AccessAttempt.objects.create(
        user_agent="test",
        ip_address="127.0.0.1",
        username=username,
        http_accept="*/*",
        path_info="/admin/login/",
        get_data="",
        post_data="",
        failures_since_start=1,
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=at)


def _links(page: str) -> dict[str, str]:
    """The date hierarchy's links, by their text."""
    nav = page[page.index('class="toplinks"') :]
    nav = nav[: nav.index("</nav>")]
    return {
        text.strip(" ‹"): href
        for href, text in re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', nav)
    }


def test_the_date_hierarchy_drills_down_jalali_years_and_months(client, national_admin):
    # Both days are in March 2026, but in two Jalali years: the last of Esfand 1404 and the
    # second of Farvardin 1405 (Tehran's days: 20:00 UTC on 21 March is already the 22nd).
    _attempt(dt.datetime(2026, 3, 19, 9, 0, tzinfo=dt.UTC), "esfand-attempt")
    _attempt(dt.datetime(2026, 3, 21, 21, 0, tzinfo=dt.UTC), "farvardin-attempt")
    url = "/admin/axes/accessattempt/"

    page = page_text(client, url)
    years = _links(page)
    assert list(years) == ["۱۴۰۴", "۱۴۰۵"]

    page = page_text(client, url + years["۱۴۰۵"].replace("&amp;", "&"))
    assert "farvardin-attempt" in page and "esfand-attempt" not in page
    months = _links(page)
    assert set(months) == {"همهٔ تاریخ‌ها", "فروردین ۱۴۰۵"}

    page = page_text(client, url + months["فروردین ۱۴۰۵"].replace("&amp;", "&"))
    days = _links(page)
    assert set(days) == {"۱۴۰۵", "۲ فروردین"}
    page = page_text(client, url + days["۲ فروردین"].replace("&amp;", "&"))
    assert "farvardin-attempt" in page and "esfand-attempt" not in page
    assert "۲ فروردین" in page[page.index('class="toplinks"') :]

    # English: Django's own, one Gregorian month holding both.
    english(client)
    page = page_text(client, url)
    nav = page[page.index('class="toplinks"') :]
    assert "March 19" in nav and "March 22" in nav
    assert "فروردین" not in nav


def test_a_date_the_hierarchy_cannot_read_is_refused_not_a_server_error(client, national_admin):
    response = client.get("/admin/axes/accessattempt/?attempt_time__gte=not-a-date")
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_the_date_filter_this_month_is_the_jalali_month(client, national_admin):
    today = jdatetime.date.fromgregorian(date=timezone.localdate())
    first = jdatetime.date(today.year, today.month, 1).togregorian()
    first_gregorian_month = timezone.localdate().replace(day=1)

    page = page_text(client, "/admin/axes/accessattempt/")
    this_month = re.search(r'<a href="([^"]*)">\s*این ماه', page)
    assert this_month and f"attempt_time__gte={first.isoformat()}" in this_month.group(1)

    english(client)
    page = page_text(client, "/admin/axes/accessattempt/")
    this_month = re.search(r'<a href="([^"]*)">\s*This month', page)
    assert this_month
    assert f"attempt_time__gte={first_gregorian_month.isoformat()}" in this_month.group(1)


def test_no_admin_form_has_a_gregorian_date_input(admin_user):
    """Dates an administrator types are Jalali (core.forms.JalaliDateField); Django's Gregorian
    date and date-time inputs are not in any form the admin lets one edit."""
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    gregorian: list[str] = []
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_change_permission(request):
            continue  # every field is shown read-only
        instance = model._default_manager.first()
        for obj in {None, instance} - ({None} if model is User else set()):
            form = model_admin.get_form(request, obj, change=obj is not None)
            gregorian += [
                f"{model._meta.label}.{name}"
                for name, field in form.base_fields.items()
                if isinstance(
                    field, (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField)
                )
            ]
    assert gregorian == []


def test_the_wrapper_is_installed_once_and_refuses_a_foreign_function(monkeypatch):
    from pishkhan.core import admin_dates

    assert admin_dates.is_installed()
    admin_dates.install()  # a second call changes nothing
    wrapped = admin_list.display_for_field
    assert admin_dates.is_installed() and admin_list.display_for_field is wrapped

    monkeypatch.setattr(admin_list, "display_for_field", lambda *args, **kwargs: "")
    with pytest.raises(ImproperlyConfigured, match=r"admin_list\.display_for_field"):
        admin_dates.install()
