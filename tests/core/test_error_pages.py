"""The site's own 403 pages: a refused permission, and a form whose CSRF token had expired."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from pishkhan.core import views

pytestmark = pytest.mark.django_db


def test_an_expired_form_gets_a_persian_page_that_offers_the_form_again():
    client = Client(enforce_csrf_checks=True)
    login = reverse("cases:portal_login")
    client.get(login)  # the CSRF cookie, as a browser has it
    response = client.post(
        login,
        {"national_code": "0499370899", "mobile": "09121234567", "csrfmiddlewaretoken": "stale"},
        HTTP_REFERER="http://testserver" + login,
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "فرم منقضی شده بود" in html and "چیزی فرستاده یا ذخیره نشد" in html
    assert f'href="http://testserver{login}"' in html  # the form again
    assert '<html lang="fa" dir="rtl">' in html and "DEBUG" not in html


def test_no_cookie_is_named_and_a_foreign_referer_is_not_linked():
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("cases:portal_login"),
        {"national_code": "0499370899"},
        HTTP_REFERER="https://elsewhere.example/phish",
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "کوکی" in html and "elsewhere.example" not in html


def test_a_refused_permission_is_the_sites_page(rf):
    request = rf.get("/anything/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = views.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert "اجازه" in response.content.decode()


@pytest.mark.parametrize("language, direction", [("fa", "rtl"), ("en", "ltr")])
@pytest.mark.parametrize("status", [400, 500])
def test_the_bare_400_and_500_pages_fit_a_phone_in_the_visitors_language(
    rf, status, language, direction
):
    # The two pages that extend no layout (they must render whatever else is broken) still say
    # their language and fit a phone's width.
    from django.utils import translation

    from pishkhan.api import errors

    request = rf.get("/somewhere/")
    with translation.override(language):
        if status == 400:
            response = errors.bad_request(request, ValueError("unreadable"))
        else:
            response = errors.server_error(request)
    html = response.content.decode()
    assert response.status_code == status
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
