import datetime as dt

from django.template import Context, Template
from django.utils import translation


def render(source, **context):
    return Template(source).render(Context(context))


def test_filters_in_persian():
    with translation.override("fa"):
        out = render(
            "{{ d|jdate }}|{{ t|jdatetime }}|{{ m|rials }}|{{ n|fa_digits }}|{{ d|jdate_numeric }}",
            d=dt.date(2026, 12, 1),
            t=dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC),
            m=1250000,
            n="12 ab",
        )
    assert out == "۱۰ آذر ۱۴۰۵|۱۰ آذر ۱۴۰۵، ساعت ۱۱:۳۰|۱٬۲۵۰٬۰۰۰ ریال|۱۲ ab|۱۴۰۵/۰۹/۱۰"


def test_filters_in_english():
    with translation.override("en"):
        out = render(
            "{{ d|jdate }}|{{ m|rials }}|{{ n|fa_digits }}", d=dt.date(2026, 12, 1), m=1250000, n=12
        )
    assert out == "10 Azar 1405|1,250,000 Rials|12"


def test_empty_values_render_empty():
    assert render("{{ x|jdate }}{{ x|rials }}{{ x|fa_digits }}", x=None) == ""
