"""The admin says a duplicate citizen in the platform's words, not Django's English default."""

from __future__ import annotations

import pytest

from pishkhan.accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_second_citizen_with_the_same_national_code_is_refused_in_persian(client, admin_user):
    client.force_login(admin_user)
    citizen = User.objects.filter(role="citizen").exclude(national_code="").first()
    answer = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "second-citizen",
            "password1": "Xk29!pq-long-pass",
            "password2": "Xk29!pq-long-pass",
            "usable_password": "true",
            "role": "citizen",
            "national_code": citizen.national_code,
            "mobile": "09121111111",
        },
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "شهروندی با این کد ملی پیش‌تر ثبت شده است." in page
    assert "citizen_national_code_unique" not in page and "is violated" not in page
    assert not User.objects.filter(username="second-citizen").exists()


def test_the_english_admin_says_it_in_english(client, admin_user, settings):
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    citizen = User.objects.filter(role="citizen").exclude(national_code="").first()
    answer = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "second-citizen",
            "password1": "Xk29!pq-long-pass",
            "password2": "Xk29!pq-long-pass",
            "usable_password": "true",
            "role": "citizen",
            "national_code": citizen.national_code,
        },
    )
    assert "A citizen with this national code already exists." in answer.content.decode()
