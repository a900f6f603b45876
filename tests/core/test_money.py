import pytest

from pishkhan.core.money import ensure_rials, format_rials, parse_rials


def test_format_rials():
    assert format_rials(300000, "fa") == "۳۰۰٬۰۰۰ ریال"
    assert format_rials(300000, "en") == "300,000 Rials"
    assert format_rials(0, "fa") == "۰ ریال"


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        ensure_rials(10.5)
    with pytest.raises(TypeError):
        format_rials(True)  # type: ignore[arg-type]


@pytest.mark.parametrize("typed", ["300000", "300,000", "۳۰۰٬۰۰۰", "۳۰۰،۰۰۰ ریال", " 300 000 "])
def test_parse_rials(typed):
    assert parse_rials(typed) == 300000


@pytest.mark.parametrize("typed", ["", "3.5", "-100", "سیصد"])
def test_parse_rials_rejects(typed):
    with pytest.raises(ValueError):
        parse_rials(typed)
