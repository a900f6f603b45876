import datetime as dt

import pytest
from django import forms
from django.utils import translation

from pishkhan.core.forms import (
    DigitsInput,
    JalaliDateField,
    LegalEntityIdField,
    MobileField,
    NationalCodeField,
    NormalizingForm,
    PostalCodeField,
)
from pishkhan.core.money import parse_rials


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


class AmountForm(NormalizingForm):
    count = forms.IntegerField(min_value=0, widget=DigitsInput)
    amount = forms.CharField(widget=DigitsInput(grouped=True))
    birth_date = JalaliDateField()
    national_code = NationalCodeField()

    def clean_amount(self):
        try:
            return parse_rials(self.cleaned_data["amount"])
        except ValueError:
            raise forms.ValidationError("not an amount") from None


def test_figures_in_inputs_are_shown_in_persian_digits_and_read_back():
    initial = {
        "count": 12,
        "amount": 764000,
        "birth_date": dt.date(2026, 12, 1),
        "national_code": "0499370899",
    }
    with translation.override("fa"):
        html = str(AmountForm(initial=initial))
    assert 'value="۱۲"' in html and 'value="۷۶۴٬۰۰۰"' in html
    assert 'value="۱۴۰۵/۰۹/۱۰"' in html and 'value="۰۴۹۹۳۷۰۸۹۹"' in html
    # Text inputs, not type="number" (a browser drops Persian digits typed into one).
    assert 'type="number"' not in html and html.count('inputmode="numeric"') == 4
    # What was shown comes back as it was.
    f = AmountForm(
        data={
            "count": "۱۲",
            "amount": "۷۶۴٬۰۰۰",
            "birth_date": "۱۴۰۵/۰۹/۱۰",
            "national_code": "۰۴۹۹۳۷۰۸۹۹",
        }
    )
    assert f.is_valid(), f.errors
    assert f.cleaned_data == {
        "count": 12,
        "amount": 764000,
        "birth_date": dt.date(2026, 12, 1),
        "national_code": "0499370899",
    }
    # A refused value is shown again as typed, in Persian digits.
    with translation.override("fa"):
        refused = AmountForm(data={"count": "-۵", "amount": "x"})
        assert not refused.is_valid()
        assert 'value="-۵"' in str(refused)
    with translation.override("en"):
        assert 'value="764,000"' in str(AmountForm(initial=initial))


def test_a_date_inputs_example_is_in_the_interfaces_digits():
    field = AmountForm()["birth_date"]
    with translation.override("fa"):
        assert 'placeholder="۱۴۰۵/۰۹/۱۰"' in str(field)
    with translation.override("en"):
        assert 'placeholder="1405/09/10"' in str(field)
