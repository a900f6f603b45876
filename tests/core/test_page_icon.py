"""Every page names the site's icon. One that names none makes the browser ask for /favicon.ico,
which is a 404: an error in the browser's console on every such page (the product walk of
2026-12-02 found the admin's pages, receipts and certificates; the last two have their tests
beside their pages)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from pishkhan.accounts.models import User

pytestmark = pytest.mark.django_db

ICON = re.compile(r'<link rel="icon" href="[^"]*favicon[^"]*\.svg"')


def _head(response) -> str:
    assert response.status_code == 200
    return response.content.decode().split("</head>")[0]


@pytest.mark.parametrize("username", ["admin", "agencyadmin-nocr"])
def test_the_admins_pages_name_the_icon(client, settings, username):
    settings.PISHKHAN_STAFF_OTP = False
    client.force_login(User.objects.get(username=username))
    for url in (reverse("admin:index"), reverse("admin:catalog_service_changelist")):
        assert ICON.search(_head(client.get(url))), url


def test_the_admins_sign_in_page_names_the_icon(client):
    assert ICON.search(_head(client.get(reverse("admin:login"))))


def test_the_sites_own_pages_name_it_too(client):
    assert ICON.search(_head(client.get(reverse("catalog:home"))))
