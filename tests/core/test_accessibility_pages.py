"""Accessibility of the rendered pages (decision 54), checked with the test client: wide tables
reachable by keyboard and named, the current page marked in the navigation, autofill named,
Persian data marked as Persian on English pages, page titles and receipts."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.cases.models import ServiceRequest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_otp(settings):
    settings.PISHKHAN_STAFF_OTP = False
    cache.clear()


class _Elements(HTMLParser):
    """Every element's tag and attributes, in document order; ids by element."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def parse(html: str) -> _Elements:
    page = _Elements()
    page.feed(html)
    return page


def scroll_boxes(html: str) -> list[dict[str, str]]:
    page = parse(html)
    ids = {attrs["id"] for _, attrs in page.elements if "id" in attrs}
    boxes = [attrs for _, attrs in page.elements if "table-responsive" in attrs.get("class", "")]
    for attrs in boxes:
        assert attrs.get("tabindex") == "0", attrs
        assert attrs.get("role") == "region", attrs
        labelledby = attrs.get("aria-labelledby", "")
        assert labelledby in ids or attrs.get("aria-label"), attrs
    return boxes


def _request(key: str) -> ServiceRequest:
    return ServiceRequest.objects.select_related("citizen", "office").get(idempotency_key=key)


def _pages(role_users) -> list[tuple[User | None, str]]:
    approved = _request("demo-office-approved")
    office = approved.office
    province = office.province.sci_code
    citizen = User.objects.get(username="9990000018")
    operator = User.objects.get(username="operator-1001")
    manager = User.objects.filter(role="office_manager", office=office).first()
    officer = User.objects.get(username="officer-nocr-tehran")
    return [
        (None, reverse("offices:finder") + f"?province={province}"),
        (None, reverse("offices:office_detail", args=[office.licence_number])),
        (citizen, reverse("cases:portal_home")),
        (citizen, reverse("cases:portal_data_access")),
        (citizen, reverse("cases:portal_request", args=[approved.tracking_code])),
        (operator, reverse("cases:office_home")),
        (operator, reverse("cases:office_request", args=[approved.tracking_code])),
        (manager, reverse("offices:manage")),
        (manager, reverse("payments:settlement")),
        (manager, reverse("feedback:repayments")),
        (officer, reverse("cases:agency_queue")),
        (officer, reverse("cases:agency_request", args=[approved.tracking_code])),
        (role_users["regulator"], reverse("licensing:queue")),
        (role_users["regulator"], reverse("licensing:capacity", args=[province])),
        (role_users["regulator"], reverse("licensing:offices")),
        (role_users["regulator"], reverse("licensing:ranking")),
        (role_users["regulator"], reverse("licensing:fee_caps")),
        (role_users["regulator"], reverse("feedback:queue")),
        (role_users["regulator"], reverse("payments:settlement")),
        (role_users["provincial_supervisor"], reverse("insights:my_province")),
        (
            role_users["provincial_supervisor"],
            reverse("insights:office_requests", args=[province, office.licence_number]),
        ),
    ]


def test_every_wide_table_can_be_reached_by_keyboard_and_is_named(client, role_users):
    seen = 0
    for user, url in _pages(role_users):
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        seen += len(scroll_boxes(response.content.decode()))
    assert seen >= 15  # the walk did meet the tables


def test_the_current_page_is_marked_in_the_navigation(client, role_users):
    html = client.get(reverse("cases:track")).content.decode()
    current = [a for tag, a in parse(html).elements if a.get("aria-current") == "page"]
    assert [a["href"] for a in current] == [reverse("cases:track")]
    assert "active" in current[0]["class"]
    client.force_login(User.objects.get(username="operator-1001"))
    html = client.get(reverse("cases:office_home")).content.decode()
    current = [a for tag, a in parse(html).elements if a.get("aria-current") == "page"]
    assert [a["href"] for a in current] == [reverse("cases:office_home")]
    # A page that is no item of the menu marks none.
    html = client.get(reverse("offices:finder") + "?x=1").content.decode()
    nav = html.split('id="main-nav"')[1].split("</ul>")[0]
    assert nav.count('aria-current="page"') == 1  # "Find an office": its path, any query


def _input(html: str, name: str) -> dict[str, str]:
    (attrs,) = [a for tag, a in parse(html).elements if tag == "input" and a.get("name") == name]
    return attrs


def test_autofill_is_named_where_people_type_their_own_details(client):
    portal = client.get(reverse("cases:portal_login")).content.decode()
    assert _input(portal, "mobile")["autocomplete"] == "tel-national"
    staff = client.get(reverse("accounts:login")).content.decode()
    assert _input(staff, "username")["autocomplete"] == "username"
    assert _input(staff, "password")["autocomplete"] == "current-password"
    # At the counter the operator types someone else's mobile: no autofill.
    client.force_login(User.objects.get(username="operator-1001"))
    counter = client.get(reverse("cases:office_identify")).content.decode()
    assert _input(counter, "mobile")["autocomplete"] == "off"


def test_setting_a_password_names_it_a_new_one(client):
    from pishkhan.accounts.services import set_password_path

    user = User.objects.get(username="operator-1001")
    response = client.get(set_password_path(user), follow=True)
    html = response.content.decode()
    for name in ("new_password1", "new_password2"):
        assert _input(html, name)["autocomplete"] == "new-password"


def _english(client, settings) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_persian_names_are_marked_persian_on_english_pages_only(client, settings):
    approved = _request("demo-office-approved")
    client.force_login(User.objects.get(username="operator-1001"))
    url = reverse("cases:office_request", args=[approved.tracking_code])
    persian = client.get(url).content.decode()
    assert persian.count('lang="fa"') == 1  # <html>: the whole page is Persian already
    _english(client, settings)
    english = client.get(url).content.decode()
    assert 'lang="en"' in english
    office = approved.office.name
    assert f'<bdi lang="fa" dir="rtl">{office}</bdi>' in english
    citizen = approved.citizen.get_full_name()
    assert f'<bdi lang="fa" dir="rtl">{citizen}</bdi>' in english
    # The signed-in operator's name in the navigation bar.
    operator = User.objects.get(username="operator-1001").get_full_name()
    assert f'<bdi lang="fa" dir="rtl">{operator}</bdi>' in english
    # An office's address and county on its public page; the province has an English name.
    page = client.get(reverse("offices:office_detail", args=[approved.office.licence_number]))
    html = page.content.decode()
    assert 'class="col-8 col-sm-9 office-address" lang="fa" dir="rtl"' in html
    county = approved.office.county.name_fa
    assert f'<bdi lang="fa" dir="rtl">{county}</bdi> county' in html
    assert approved.office.province.name_en in html


def test_request_pages_are_titled_with_the_service_and_the_tracking_code(client):
    approved = _request("demo-office-approved")
    name = approved.service.name_fa
    from pishkhan.core.text import to_persian_digits

    code = to_persian_digits(approved.tracking_code)
    pages = [
        (approved.citizen, reverse("cases:portal_request", args=[approved.tracking_code])),
        (
            User.objects.get(username="operator-1001"),
            reverse("cases:office_request", args=[approved.tracking_code]),
        ),
        (
            User.objects.get(username="officer-nocr-tehran"),
            reverse("cases:agency_request", args=[approved.tracking_code]),
        ),
    ]
    for user, url in pages:
        client.force_login(user)
        title = parse(client.get(url).content.decode()).title
        assert name in title and code in title, (url, title)


@pytest.mark.parametrize(
    ("username", "page", "back"),
    [
        ("9990000018", "cases:portal_receipt", "cases:portal_request"),
        ("operator-1001", "cases:office_receipt", "cases:office_request"),
    ],
)
def test_a_receipt_page_has_a_heading_and_a_way_back(client, username, page, back):
    approved = _request("demo-office-approved")
    client.force_login(User.objects.get(username=username))
    html = client.get(reverse(page, args=[approved.tracking_code])).content.decode()
    elements = parse(html)
    assert [tag for tag, _ in elements.elements].count("h1") == 1
    assert approved.service.name_fa in elements.title
    back_url = reverse(back, args=[approved.tracking_code])
    assert f'<a class="back-link" href="{back_url}">' in html
    # Not on paper: the link is in the part that is not printed.
    assert html.index('class="no-print actions"') < html.index('class="back-link"')
