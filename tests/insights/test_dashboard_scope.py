"""Who sees which dashboard: one function decides (``insights.scope.dashboard_scope``), and a
province, county or office outside a user's scope is not found (404, never 403)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.http import Http404
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.catalog.models import Agency
from pishkhan.insights.scope import AGENCY, NATIONAL, PROVINCIAL, dashboard_scope

pytestmark = pytest.mark.django_db

TEHRAN_PAGES = [
    "/province/23/",
    "/province/23/counties/2301/",
    "/province/23/offices/23-1001/",
    "/province/23/offices/23-1001/requests/",
]
ISFAHAN_PAGES = [
    "/province/10/",
    "/province/10/counties/1002/",
    "/province/10/offices/10-2001/",
    "/province/10/offices/10-2001/requests/",
]


@pytest.fixture(autouse=True)
def _no_otp(settings):
    settings.PISHKHAN_STAFF_OTP = False
    cache.clear()


def _get(client, username, url, **params):
    client.force_login(User.objects.get(username=username))
    return client.get(url, params)


def test_the_scope_of_each_role(role_users):
    supervisor = User.objects.get(username="supervisor-tehran")
    assert dashboard_scope(supervisor).kind == PROVINCIAL
    assert dashboard_scope(supervisor).province_id == supervisor.province_id
    assert dashboard_scope(User.objects.get(username="regulator")).kind == NATIONAL
    assert dashboard_scope(User.objects.get(username="admin")).kind == NATIONAL
    admin = User.objects.get(username="agencyadmin-nocr")
    scope = dashboard_scope(admin)
    children = set(Agency.objects.filter(parent_id=admin.agency_id).values_list("pk", flat=True))
    assert scope.kind == AGENCY and scope.agency_ids[0] == admin.agency_id
    assert set(scope.agency_ids) == {admin.agency_id, *children}
    for role in (
        Role.CITIZEN,
        Role.OFFICE_OPERATOR,
        Role.OFFICE_MANAGER,
        Role.AGENCY_OFFICER,
        Role.ASSESSMENT_OFFICER,
        Role.PROVINCIAL_ICT,
        Role.WORKING_GROUP,
    ):
        with pytest.raises(Http404):
            dashboard_scope(role_users[role])


@pytest.mark.parametrize("url", ["/province/", *TEHRAN_PAGES])
def test_a_supervisor_sees_their_own_province(client, url):
    assert _get(client, "supervisor-tehran", url).status_code == 200


@pytest.mark.parametrize("url", [*ISFAHAN_PAGES, "/insights/", "/agency/insights/"])
def test_a_supervisor_of_another_province_gets_not_found(client, url):
    assert _get(client, "supervisor-tehran", url).status_code == 404


@pytest.mark.parametrize("url", TEHRAN_PAGES)
def test_the_isfahan_supervisor_cannot_open_tehran(client, url):
    assert _get(client, "supervisor-isfahan", url).status_code == 404
    assert _get(client, "supervisor-isfahan", "/province/10/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        # A county or office of another province, under one's own province's address.
        "/province/23/counties/1002/",
        "/province/23/offices/10-2001/",
        "/province/23/offices/10-2001/requests/",
        "/province/99/",
        "/province/23/counties/0000/",
        "/province/23/offices/no-such-office/",
    ],
)
def test_a_place_that_is_not_in_the_province_is_not_found(client, url):
    assert _get(client, "supervisor-tehran", url).status_code == 404
    assert _get(client, "regulator", url).status_code == 404


@pytest.mark.parametrize("url", ["/insights/", "/agency/insights/", "/province/", *TEHRAN_PAGES])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url", ["/insights/", "/province/", *TEHRAN_PAGES])
@pytest.mark.parametrize(
    "role", [Role.CITIZEN, Role.OFFICE_OPERATOR, Role.AGENCY_OFFICER, Role.WORKING_GROUP]
)
def test_other_roles_get_not_found(client, role_users, url, role):
    client.force_login(role_users[role])
    assert client.get(url).status_code == 404


def test_the_regulator_sees_the_country_and_any_province(client):
    assert _get(client, "regulator", "/insights/").status_code == 200
    for url in (*TEHRAN_PAGES, *ISFAHAN_PAGES):
        assert _get(client, "regulator", url).status_code == 200, url
    assert _get(client, "regulator", "/province/")["Location"] == reverse("insights:national")
    assert _get(client, "regulator", "/agency/insights/").status_code == 404


def test_an_agency_administrator_sees_the_agency_nationwide(client):
    admin = User.objects.get(username="agencyadmin-nocr")
    response = _get(client, "agencyadmin-nocr", "/agency/insights/", preset="all")
    assert response.status_code == 200
    board = response.context["board"]
    ids = set(dashboard_scope(admin).agency_ids)
    agencies = board.table("agencies")
    assert agencies.rows, "the demo has requests of the agency"
    shown = {row[0].text for row in agencies.rows}
    names = {a.name_fa for a in Agency.objects.filter(pk__in=ids)}
    assert shown <= names
    # The office network is the regulator's and the provinces' business, not the agency's.
    assert board.table("offices-capacity") is None
    assert _get(client, "agencyadmin-nocr", "/insights/").status_code == 404
    assert _get(client, "agencyadmin-nocr", "/province/")["Location"] == reverse("insights:agency")
    listing = _get(
        client, "agencyadmin-nocr", "/province/23/offices/23-1001/requests/", preset="all"
    )
    assert listing.status_code == 200
    assert "/agency/requests/" in listing.content.decode()  # agency staff may open a request


def test_the_request_list_is_visible_to_and_the_office(client):
    listing = _get(
        client, "supervisor-tehran", "/province/23/offices/23-1001/requests/", preset="all"
    )
    rows = list(listing.context["page"].object_list)
    assert rows and all(r.office.licence_number == "23-1001" for r in rows)
    assert all(r.province.sci_code == "23" for r in rows)


def test_the_navigation_links_each_role_to_its_dashboard(client):
    html = _get(client, "supervisor-tehran", "/province/").content.decode()
    assert 'href="/province/"' in html
    html = _get(client, "regulator", "/insights/").content.decode()
    assert 'href="/insights/"' in html
