"""The provincial supervisor reads the province's requests (decision 67): a list of every
request filed in the province, at its offices and online, and a read-only page of each, within
``visible_to``; another province's request is not found, as a code that does not exist."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.cases.models import DataAccess, ServiceRequest
from pishkhan.catalog.models import Channel
from pishkhan.core.jalali import format_jalali_numeric
from pishkhan.insights import views

from .test_dashboard_figures import FIRST_DAY, LAST_DAY, SmallSet, make_small_set

pytestmark = pytest.mark.django_db

LIST = "/province/requests/"  # the address is the interface; reverse() would hide its change
# The list: session, user; the supervisor's province; the names of services, agencies and
# states, three reads (the filter's choices, insights.sections.Names); the province's offices
# (the office filter); the count; the page with their services and offices; their workflow
# versions.
LIST_QUERIES = 10


@pytest.fixture(autouse=True)
def _no_otp(settings, tmp_path):
    settings.PISHKHAN_STAFF_OTP = False
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


@pytest.fixture
def small_set(monkeypatch) -> SmallSet:
    """Five requests of one service in Tehran in June 2025: A, D, E at office 23-1001, B and C
    online; B rejected with a reason, E cancelled (tests/insights/test_dashboard_figures.py)."""
    return make_small_set(monkeypatch)


def _signed_in(client, username: str = "supervisor-tehran"):
    client.force_login(User.objects.get(username=username))
    return client


def _dates(**more: str) -> dict[str, str]:
    return {
        "start": format_jalali_numeric(FIRST_DAY),
        "end": format_jalali_numeric(LAST_DAY),
        **more,
    }


def _codes(response) -> set[str]:
    assert response.status_code == 200
    return {r.tracking_code for r in response.context["page"].object_list}


def test_the_list_has_the_offices_and_the_online_requests(client, small_set: SmallSet):
    response = _signed_in(client).get(LIST, _dates())
    assert _codes(response) == {r.tracking_code for r in small_set.requests.values()}
    html = response.content.decode()
    for request in small_set.requests.values():
        link = reverse("cases:province_request", args=[request.tracking_code])
        assert f'href="{link}"' in html
    rows = {r.tracking_code: r for r in response.context["page"].object_list}
    assert rows[small_set.request("B").tracking_code].channel == Channel.ONLINE
    # Newest first: E (day 3) before A (day 1).
    order = [r.tracking_code for r in response.context["page"].object_list]
    assert order.index(small_set.request("E").tracking_code) < order.index(
        small_set.request("A").tracking_code
    )
    # Persian first: the count and the dates in Persian digits.
    assert "۵ درخواست" in html
    citizen = small_set.request("A").citizen
    for personal in (citizen.national_code, citizen.mobile):
        assert personal not in html


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"channel": "online"}, "BC"),
        ({"channel": "office"}, "ADE"),
        ({"status": "rejected"}, "B"),
        ({"status": "cancelled"}, "E"),
        ({"office": "23-1001"}, "ADE"),
    ],
)
def test_the_filters(client, small_set: SmallSet, filters, expected):
    response = _signed_in(client).get(LIST, _dates(**filters))
    assert _codes(response) == {small_set.request(k).tracking_code for k in expected}


def test_the_service_and_the_dates_filter(client, small_set: SmallSet):
    response = _signed_in(client).get(LIST, _dates(service=str(small_set.service.pk)))
    assert _codes(response) == {r.tracking_code for r in small_set.requests.values()}
    first_day = format_jalali_numeric(FIRST_DAY)
    response = client.get(LIST, {"start": first_day, "end": first_day})
    assert _codes(response) == {small_set.request(k).tracking_code for k in "AB"}


@pytest.mark.parametrize(
    "filters, field, words",
    [
        ({"start": "1404/13/40"}, "start", None),
        ({"start": "1404/03/20", "end": "1404/03/10"}, "end", "پایان دوره پیش از آغاز آن است"),
        ({"status": "no-such-state"}, "status", None),
        ({"service": "abc"}, "service", None),
        ({"office": "no-such-office"}, "office", None),
        ({"office": "23-1001", "channel": "online"}, "office", "درخواست برخط دفتر ندارد"),
        ({"channel": "<script>"}, "channel", None),
    ],
)
def test_a_wrong_filter_is_said_in_persian_and_no_rows_are_shown(
    client, small_set: SmallSet, filters, field, words
):
    response = _signed_in(client).get(LIST, filters)
    assert response.status_code == 400
    assert response.context["page"] is None
    errors = response.context["form"].errors[field]
    assert errors and all(re.search("[\u0600-\u06ff]", e) for e in errors), errors
    html = response.content.decode()
    if words:
        assert words in html
    assert "تا پالایه‌های بالا درست نشوند" in html
    assert small_set.request("A").tracking_code not in html


def test_another_provinces_office_is_refused_as_an_unknown_one(client, small_set: SmallSet):
    _signed_in(client)
    isfahan = client.get(LIST, _dates(office="10-2001"))
    unknown = client.get(LIST, _dates(office="99-9999"))
    assert isfahan.context["form"].errors == {
        "office": [
            e.replace("99-9999", "10-2001") for e in unknown.context["form"].errors["office"]
        ]
    }
    assert isfahan.context["page"] is None


@pytest.fixture
def pages_of_ten(monkeypatch):
    """Pages of 10 rather than 50: the demo's Tehran requests then make three pages."""
    monkeypatch.setattr(views, "REQUESTS_PER_PAGE", 10)


def test_pages_newest_first_with_the_filters_kept(client, pages_of_ten):
    province = User.objects.get(username="supervisor-tehran").province
    mine = ServiceRequest.objects.filter(province=province, channel=Channel.OFFICE)
    assert mine.count() > 10, "the demo has enough requests for two pages"
    _signed_in(client)
    query = {"preset": "all", "channel": "office"}
    first = client.get(LIST, query)
    second = client.get(LIST, {**query, "page": "2"})
    newest = list(mine.order_by("-submitted_at", "-pk").values_list("tracking_code", flat=True))
    assert [r.tracking_code for r in first.context["page"].object_list] == newest[:10]
    assert [r.tracking_code for r in second.context["page"].object_list] == newest[10:20]
    assert 'href="?preset=all&amp;channel=office&amp;page=2"' in first.content.decode()
    # A page number that is not one gives the first or the last page, never an error.
    assert client.get(LIST, {**query, "page": "x"}).status_code == 200
    assert client.get(LIST, {**query, "page": "99999"}).status_code == 200


def test_the_list_makes_a_fixed_number_of_queries(client, pages_of_ten, monkeypatch):
    """The same number of queries with a few requests as with more, on a later page: nothing is
    read per row (docs/performance.md)."""
    _signed_in(client)
    query = {"preset": "all", "page": "2"}

    def count() -> int:
        client.get(LIST, query)  # warm: the session, pending changes folded
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST, query)
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == 10
        queries = [q["sql"] for q in captured.captured_queries]
        assert len(queries) == LIST_QUERIES, "\n".join(queries)
        return len(queries)

    before = count()
    make_small_set(monkeypatch)  # five more, of another month, two of them online
    assert count() == before


def test_only_the_supervisor_has_the_list(client):
    for username in ("regulator", "officer-nocr-tehran", "operator-1001", "9990000018"):
        assert _signed_in(client, username).get(LIST).status_code == 404
    client.logout()
    assert client.get(LIST).status_code == 302  # to sign in


def test_the_dashboard_links_to_the_list(client):
    html = _signed_in(client).get(reverse("insights:my_province")).content.decode()
    assert f'href="{LIST}?' in html or f'href="{LIST}"' in html
    regulator = _signed_in(client, "regulator").get(reverse("insights:province", args=["23"]))
    assert LIST not in regulator.content.decode()


# --- the read-only page of one request --------------------------------------------------------


def _page(client, request: ServiceRequest, username: str = "supervisor-tehran"):
    return _signed_in(client, username).get(
        reverse("cases:province_request", args=[request.tracking_code])
    )


def test_the_page_is_read_only_with_the_timeline(client, small_set: SmallSet):
    rejected = small_set.request("B")  # online, rejected with a reason
    response = _page(client, rejected)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<form" not in html.split("<main", 1)[-1].split("</main>")[0]
    assert 'name="action"' not in html and "request-actions" not in html
    assert "مدارک ناقص است." in html  # the officer's reason, as the agency sees it
    timeline = response.context["timeline"]
    assert [e.state for e in timeline] == ["submitted", "in_review", "rejected"]
    assert "برخط" in html  # the channel
    assert "ردشده" in html  # the status
    assert "خرداد ۱۴۰۴" in html  # Jalali dates, Persian digits (filed on 11 Khordad 1404)
    assert 'class="table table-sm fee-lines' in html
    # Posting is refused: nothing to act on, and nothing changed.
    posted = client.post(
        reverse("cases:province_request", args=[rejected.tracking_code]), {"action": "x"}
    )
    assert posted.status_code == 405


def test_the_page_leaves_out_the_citizen_and_the_documents(client, small_set: SmallSet):
    request = small_set.request("C")  # online: the citizen filed it
    response = _page(client, request)
    html = response.content.decode()
    citizen = request.citizen
    assert citizen.national_code not in html
    assert citizen.get_full_name() not in html
    assert "/attachments/" not in html
    attachment = request.attachments.first()
    assert attachment is not None
    assert attachment.original_name not in html
    url = reverse("cases:attachment", args=[request.tracking_code, attachment.pk])
    assert client.get(url).status_code == 404
    assert not DataAccess.objects.filter(request=request, kind=DataAccess.Kind.DOCUMENT).exists()


def test_opening_the_page_is_noted_for_the_citizen(client, small_set: SmallSet):
    request = small_set.request("A")
    supervisor = User.objects.get(username="supervisor-tehran")
    assert _page(client, request).status_code == 200
    noted = DataAccess.objects.get(request=request, actor=supervisor)
    assert noted.kind == DataAccess.Kind.REQUEST
    assert noted.actor_role == "provincial_supervisor"
    assert noted.province_id == supervisor.province_id
    assert noted.citizen_id == request.citizen_id


def test_another_provinces_request_is_not_found_as_a_missing_one(client):
    isfahan = ServiceRequest.objects.filter(province__sci_code="10").first()
    assert isfahan is not None
    theirs = _page(client, isfahan)
    missing = _signed_in(client).get(reverse("cases:province_request", args=["000000000000"]))
    assert theirs.status_code == missing.status_code == 404
    assert _page_text(theirs, isfahan.tracking_code) == _page_text(missing, "000000000000")
    assert not DataAccess.objects.filter(request=isfahan).exists()
    # The Isfahan supervisor opens it.
    assert _page(client, isfahan, "supervisor-isfahan").status_code == 200


def _page_text(response, asked: str) -> str:
    """The page without the address asked for and the form's one-time token."""
    text = response.content.decode().replace(asked, "")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


def test_the_other_roles_get_not_found(client):
    request = ServiceRequest.objects.filter(province__sci_code="23").first()
    for username in ("regulator", "officer-nocr-tehran", "operator-1001", "9990000018"):
        assert _page(client, request, username).status_code == 404


def test_the_office_list_links_to_the_page_for_the_supervisor(client, small_set: SmallSet):
    office = small_set.office
    url = reverse(
        "insights:office_requests", args=[office.province.sci_code, office.licence_number]
    )
    html = _signed_in(client).get(url, _dates()).content.decode()
    link = reverse("cases:province_request", args=[small_set.request("A").tracking_code])
    assert f'href="{link}"' in html
    regulator = _signed_in(client, "regulator").get(url, _dates()).content.decode()
    assert "/province/requests/" not in regulator
