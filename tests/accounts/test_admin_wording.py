"""The admin's Persian UI names sign-in's third-party apps and their models in Persian, and says
a duplicate citizen in the platform's words, not Django's English default."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from pishkhan.accounts.models import User

pytestmark = pytest.mark.django_db

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _text(html: str) -> str:
    """What a person reads: the page without its tags, scripts and styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>|&\w+;", " ", html)


def _english_words(html: str) -> list[str]:
    # "API" is a Persian word too here: رابط برنامه‌نویسی (API), the API app's name.
    return [word for word in LATIN_WORD.findall(_text(html)) if word != "API"]


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


def test_adding_a_user_asks_about_password_sign_in_in_persian(client, admin_user):
    # Django 5.1's choice, which its Persian catalogue does not have (the product walk of
    # 2026-12-02 read "Password-based authentication: Enabled / Disabled" on the Persian page).
    client.force_login(admin_user)
    page = _text(client.get("/admin/accounts/user/add/").content.decode())
    for english in ("Password-based authentication", "Enabled", "Disabled", "Single Sign-On"):
        assert english not in page
    assert "ورود با گذرواژه" in page and "فعال" in page and "غیرفعال" in page


def test_sign_ins_third_party_apps_and_models_are_named_in_persian(client, admin_user):
    client.force_login(admin_user)
    index = _text(client.get("/admin/").content.decode())
    for english in ("Axes", "Otp_Totp", "Totp", "TOTP device", "Model name"):
        assert english not in index
    for persian in ("تلاش‌های ورود با گذرواژه", "ورود دومرحله‌ای", "برنامه‌های احراز هویت"):
        assert persian in index


def test_an_administrator_registers_an_authenticator_on_a_persian_page(client, admin_user):
    client.force_login(admin_user)
    staff = User.objects.filter(role="office_operator").first()
    form = client.get("/admin/otp_totp/totpdevice/add/").content.decode()
    assert _english_words(form) == []
    device = TOTPDevice.objects.create(user=staff, name="گوشی")
    listing = client.get("/admin/otp_totp/totpdevice/").content.decode()
    assert _english_words(listing.replace(staff.username, "")) == []  # but the user's name
    change = _text(client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode())
    assert "نمایش کد QR" in change
    qr_page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").content.decode()
    assert "این کد را با برنامهٔ احراز هویتِ" in qr_page
    assert "Install" not in qr_page


def test_naming_the_libraries_models_needs_no_migration_of_theirs():
    call_command("makemigrations", "--check", "--dry-run", "axes", "otp_totp", verbosity=0)


def test_the_accounts_app_keeps_its_own_config():
    """apps.py holds three AppConfigs now; Django picks one for "pishkhan.accounts" only if the
    others say they are not the default (its ready() connects the signed-in user's cache)."""
    from django.apps import apps

    from pishkhan.accounts.apps import AccountsConfig, AxesConfig, TOTPConfig

    assert type(apps.get_app_config("accounts")) is AccountsConfig
    assert type(apps.get_app_config("axes")) is AxesConfig
    assert type(apps.get_app_config("otp_totp")) is TOTPConfig


def test_axes_lists_of_attempts_read_in_persian(client, admin_user):
    """django-axes' own Persian leaves its filter ("Locked Out") and a few more in English; the
    project's catalogue has them (core/admin_strings.py)."""
    client.force_login(admin_user)
    page = client.get("/admin/axes/accessattempt/").content.decode()
    assert "Locked Out" not in page
    assert "قفل‌شده" in page
