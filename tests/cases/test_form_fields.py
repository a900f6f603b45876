"""A service's declared number field: its limits are said in Persian digits, as every figure."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from pishkhan.cases.forms import field_for
from pishkhan.catalog.models import FieldKind, FormField


def bounded(low, high):
    return field_for(
        FormField(key="year", kind=FieldKind.NUMBER, label_fa="سال", min_value=low, max_value=high)
    )


@pytest.mark.parametrize(
    ("low", "high", "typed", "said"),
    [
        (1300, 1410, 1499, "عددی از ۱۳۰۰ تا ۱۴۱۰ بنویسید."),
        (1300, None, 12, "۱۳۰۰ یا بیشتر بنویسید."),
        (None, 1410, 1499, "۱۴۱۰ یا کمتر بنویسید."),
    ],
)
def test_a_number_out_of_its_limits_is_refused_in_persian_digits(low, high, typed, said):
    field = bounded(low, high)
    with translation.override("fa"), pytest.raises(ValidationError) as refused:
        field.clean(str(typed))
    message = " ".join(refused.value.messages)
    assert message == said and not re.search(r"[0-9]", message)
    assert bounded(low, high).clean("1400") == 1400
