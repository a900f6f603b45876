"""Staff sign-in: password (argon2), lockout after repeated failures, TOTP when switched on."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from pishkhan.accounts.models import User
from pishkhan.core.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password, **extra):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password, **extra}
    )


def test_passwords_are_argon2():
    assert User.objects.get(username="operator-1001").password.startswith("argon2")


def test_without_the_second_factor_a_password_signs_in(client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    response = login(client, "operator-1001", DEMO_PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("cases:office_home")
    assert client.get(reverse("cases:office_home")).status_code == 200


def test_wrong_password_is_a_clear_error(client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    response = login(client, "operator-1001", "wrong")
    assert response.status_code == 200
    assert "نام کاربری یا گذرواژه نادرست است." in response.content.decode()


def test_lockout_after_five_failures(client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    for _ in range(5):
        login(client, "officer-nocr-tehran", "wrong")
    response = login(client, "officer-nocr-tehran", DEMO_PASSWORD)
    assert response.status_code == 429
    assert "قفل" in response.content.decode()
    assert client.get(reverse("cases:agency_queue")).status_code == 302  # not signed in


def test_second_factor(client, settings):
    settings.PISHKHAN_STAFF_OTP = True
    user = User.objects.get(username="officer-nocr-tehran")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    response = login(client, "officer-nocr-tehran", DEMO_PASSWORD, next="/agency/")
    assert response["Location"] == reverse("accounts:otp")
    # The password alone opens nothing.
    assert client.get(reverse("cases:agency_queue")).status_code == 302
    wrong = client.post(reverse("accounts:otp"), {"token": "000000"})
    assert "کد درست نیست" in wrong.content.decode()
    # django-otp slows down guessing after a wrong code; a person waits, the test resets it.
    device.refresh_from_db()
    device.throttle_reset()
    token = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post(reverse("accounts:otp"), {"token": token})
    assert response.status_code == 302 and response["Location"] == "/agency/"
    assert client.get(reverse("cases:agency_queue")).status_code == 200


def test_second_factor_without_a_device_refuses(client, settings):
    settings.PISHKHAN_STAFF_OTP = True
    login(client, "operator-1001", DEMO_PASSWORD)
    page = client.get(reverse("accounts:otp")).content.decode()
    assert "مدیر" in page
    assert client.get(reverse("cases:office_home")).status_code == 302


def test_an_open_redirect_is_not_followed(client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    response = login(client, "operator-1001", DEMO_PASSWORD, next="https://evil.example/")
    assert response["Location"] == reverse("cases:office_home")


def test_a_citizen_account_cannot_open_staff_pages(client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    client.force_login(User.objects.get(username="9990000018"))
    assert client.get(reverse("cases:office_home")).status_code == 404
    assert client.get(reverse("cases:agency_queue")).status_code == 404


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("regulator", "/regulator/"),
        ("ict-tehran", "/regulator/"),
        ("supervisor-tehran", "/province/"),
        ("workgroup-tehran", "/regulator/capacity/23/"),
        ("officer-nocr-tehran", "/agency/"),
    ],
)
def test_each_role_lands_on_its_work_page_and_can_open_it(client, settings, username, home):
    settings.PISHKHAN_STAFF_OTP = False
    response = login(client, username, DEMO_PASSWORD)
    assert response.status_code == 302 and response["Location"] == home
    assert client.get(home, follow=True).status_code == 200
