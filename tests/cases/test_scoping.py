"""A generated matrix: every role, against every URL that reads or changes a request, with a
request outside that role's scope — all 404. Inside the scope, the pages open."""

import pytest
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.cases.models import ServiceRequest

pytestmark = pytest.mark.django_db

REQUEST_URLS = ["cases:office_request", "cases:office_receipt", "cases:agency_request"]


@pytest.fixture
def isfahan_request():
    """A demo request filed at the Isfahan office: outside every Tehran user's scope."""
    return ServiceRequest.objects.get(idempotency_key="demo-isfahan-water")


def outsiders():
    """One user of each staff role whose scope does not include the Isfahan request."""
    return [
        User.objects.get(username=name)
        for name in [
            "operator-1001",
            "manager-1001",
            "officer-nocr-tehran",
            "agencyadmin-nocr",
            "sanjesh-tehran",
            "supervisor-tehran",
            "9990000018",
        ]
    ]


@pytest.mark.parametrize("url_name", REQUEST_URLS)
def test_every_role_outside_its_scope_gets_404(client, settings, isfahan_request, url_name):
    settings.PISHKHAN_STAFF_OTP = False
    users = outsiders()
    # Every role that reads requests within a scope (regulator and national admin see all; the
    # licensing roles read no requests).
    licensing_only = {Role.PROVINCIAL_ICT, Role.WORKING_GROUP}
    assert {u.role for u in users} >= set(Role.values) - {
        Role.REGULATOR,
        Role.NATIONAL_ADMIN,
    } - licensing_only
    url = reverse(url_name, args=[isfahan_request.tracking_code])
    for user in users:
        assert not ServiceRequest.objects.visible_to(user).filter(pk=isfahan_request.pk).exists(), (
            user
        )
        client.force_login(user)
        assert client.get(url).status_code == 404, (user.username, url)
        response = client.post(url, {"action": "start_review", "version": 1, "comment": "x"})
        assert response.status_code == 404, (user.username, url)
        attachment = isfahan_request.attachments.first()
        if attachment:
            assert (
                client.get(
                    reverse("cases:attachment", args=[isfahan_request.tracking_code, attachment.pk])
                ).status_code
                == 404
            )
    isfahan_request.refresh_from_db()
    assert isfahan_request.status == "in_review"


def test_inside_the_scope_pages_open(client, settings, isfahan_request):
    settings.PISHKHAN_STAFF_OTP = False
    client.force_login(User.objects.get(username="officer-abfa-isfahan"))
    assert (
        client.get(
            reverse("cases:agency_request", args=[isfahan_request.tracking_code])
        ).status_code
        == 200
    )
    client.force_login(User.objects.get(username="operator-2001"))
    assert (
        client.get(
            reverse("cases:office_request", args=[isfahan_request.tracking_code])
        ).status_code
        == 200
    )


def test_visible_to_by_role():
    tehran_office = ServiceRequest.objects.filter(office__licence_number="23-1001")
    everything = ServiceRequest.objects.all()

    def seen(username):
        return ServiceRequest.objects.visible_to(User.objects.get(username=username))

    assert set(seen("operator-1001")) == set(tehran_office)
    assert set(seen("admin")) == set(everything)
    assert all(r.province.sci_code == "23" for r in seen("supervisor-tehran"))
    assert all(
        r.agency.code == "nocr" and r.province.sci_code == "23" for r in seen("officer-nocr-tehran")
    )
    assert all(r.citizen.username == "9990000018" for r in seen("9990000018"))
    from django.contrib.auth.models import AnonymousUser

    assert not ServiceRequest.objects.visible_to(AnonymousUser()).exists()
