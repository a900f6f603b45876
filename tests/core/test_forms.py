import datetime as dt

import pytest
from django import forms
from django.utils import translation

from pishkhan.core.forms import (
    JalaliDateField,
    LegalEntityIdField,
    MobileField,
    NationalCodeField,
    NormalizingForm,
    PostalCodeField,
)


class ApplicantForm(NormalizingForm):
    name = forms.CharField()
    national_code = NationalCodeField()
    mobile = MobileField()
    postal_code = PostalCodeField(required=False)
    company = LegalEntityIdField(required=False)
    birth_date = JalaliDateField()
    password = forms.CharField(widget=forms.PasswordInput, required=False, strip=False)


def form(**data):
    base = {
        "name": "زهرا",
        "national_code": "0499370899",
        "mobile": "09121234567",
        "birth_date": "1370/01/01",
    }
    base.update(data)
    return ApplicantForm(data=base)


def test_input_is_normalised_everywhere_but_passwords():
    f = form(
        name="  علي كريمي ",
        national_code="۰۴۹۹۳۷۰۸۹۹",
        mobile="+98 912 123 4567",
        birth_date="۱۳۷۰/۰۱/۰۱",
        postal_code="۱۹۹۱۶۱۲۳۴۵",
        password=" ۱۲ي ",
    )
    assert f.is_valid(), f.errors
    assert f.cleaned_data["name"] == "علی کریمی"
    assert f.cleaned_data["national_code"] == "0499370899"
    assert f.cleaned_data["mobile"] == "09121234567"
    assert f.cleaned_data["postal_code"] == "1991612345"
    assert f.cleaned_data["birth_date"] == dt.date(1991, 3, 21)
    assert f.cleaned_data["password"] == " ۱۲ي "


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("national_code", "0499370898", "این کد ملی معتبر نیست: رقم کنترل آن درست نیست."),
        ("national_code", "12345", "کد ملی ۱۰ رقم دارد."),
        ("national_code", "1111111111", "کد ملی نمی‌تواند تکرار یک رقم باشد."),
        ("mobile", "08121234567", "شماره تلفن همراه با ۰۹ آغاز می‌شود."),
        ("mobile", "0912", "شماره تلفن همراه ۱۱ رقم دارد؛ مانند ۰۹۱۲۱۲۳۴۵۶۷."),
        ("postal_code", "123", "کد پستی ۱۰ رقم دارد."),
        ("company", "10100234566", "این شناسه ملی معتبر نیست: رقم کنترل آن درست نیست."),
        ("birth_date", "1370/13/01", "ماه باید عددی بین ۱ تا ۱۲ باشد."),
        ("birth_date", "1403/07/31", "این ماه چنین روزی ندارد."),
        ("birth_date", "yesterday", "تاریخ را به شکل سال/ماه/روز بنویسید؛ مانند ۱۴۰۵/۰۹/۱۰."),
    ],
)
def test_specific_persian_messages(field, value, message):
    with translation.override("fa"):
        f = form(**{field: value})
        assert not f.is_valid()
        assert f.errors[field] == [message]


def test_english_messages_in_the_english_ui():
    with translation.override("en"):
        f = form(national_code="0499370898")
        assert not f.is_valid()
        assert f.errors["national_code"] == [
            "This national code is not valid: its check digit does not match."
        ]


def test_jalali_field_shows_a_stored_date_in_jalali():
    assert JalaliDateField().prepare_value(dt.date(2026, 12, 1)) == "1405/09/10"
