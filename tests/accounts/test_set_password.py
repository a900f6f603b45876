"""A new staff account's first password, from the one-time link sent by SMS: the platform's own
Persian words for Django's password rules, and a way on to signing in."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from pishkhan.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(client):
    user = User.objects.get(username="operator-1001")
    user.set_unusable_password()
    user.save()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = reverse("accounts:set_password", args=[uid, default_token_generator.make_token(user)])
    # Django moves the token into the session and redirects to a token-free address.
    return client.get(url, follow=True).redirect_chain[-1][0]


def post(client, link, first, second=None):
    return client.post(link, {"new_password1": first, "new_password2": second or first})


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_rules_and_refusals_are_persian_with_persian_digits(client, link):
    page = text(client.get(link))
    assert "دست‌کم ۸ نویسه" in page and "گذرواژهٔ تازه را دوباره" in page
    assert "رمز عبور" not in page and "قبلی" not in page
    short = text(post(client, link, "Ab1!"))
    assert "این گذرواژه کوتاه است: دست‌کم ۸ نویسه لازم است." in short
    assert "too short" not in short
    assert "فقط عدد" in text(post(client, link, "83917265401"))
    assert "رایج" in text(post(client, link, "password123"))
    assert "یکسان نیستند" in text(post(client, link, "Long-enough-2026!", "Long-enough-2027!"))
    assert not User.objects.get(username="operator-1001").has_usable_password()


def test_a_good_password_leads_to_signing_in_with_the_user_name(client, link):
    response = post(client, link, "Long-enough-2026!")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    page = text(client.get(reverse("accounts:login")))
    assert "گذرواژهٔ شما ثبت شد" in page and "operator-1001" in page
    assert User.objects.get(username="operator-1001").check_password("Long-enough-2026!")
