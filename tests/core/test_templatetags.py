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


def test_persian_data_is_marked_persian_on_pages_in_another_language_only():
    source = "{{ name|fa_text }}|<p{{ name|fa_lang }}>|{{ latin|fa_text }}|<p{{ latin|fa_lang }}>"
    context = {"name": "دفتر <۱۲>", "latin": "Office 12"}
    with translation.override("en"):
        out = render(source, **context)
    assert (
        out
        == '<bdi lang="fa" dir="rtl">دفتر &lt;۱۲&gt;</bdi>|<p lang="fa" dir="rtl">|Office 12|<p>'
    )
    with translation.override("fa"):
        assert render(source, **context) == "دفتر &lt;۱۲&gt;|<p>|Office 12|<p>"
    # Digits alone are no Persian text.
    with translation.override("en"):
        assert render("{{ n|fa_text }}", n="۱۲") == "۱۲"
        assert render("{{ n|fa_text }}", n=None) == ""


def test_a_scroll_region_is_focusable_and_named():
    out = render(
        '{% scroll_region labelledby="t" class="mt-2" %}<table></table>{% endscroll_region %}'
    )
    assert out == (
        '<div class="table-responsive mt-2" tabindex="0" role="region" aria-labelledby="t">'
        "<table></table></div>"
    )
    out = render("{% scroll_region label=x %}{% endscroll_region %}", x='"a"')
    assert 'aria-label="&quot;a&quot;"' in out


def test_a_scroll_region_needs_a_name():
    import pytest
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError):
        Template("{% scroll_region %}{% endscroll_region %}")
    with pytest.raises(TemplateSyntaxError):
        Template('{% scroll_region label="a" labelledby="b" %}{% endscroll_region %}')


def test_list_separator_is_the_persian_comma_in_persian_only():
    source = "a{% list_separator %}b"
    with translation.override("fa"):
        assert render(source) == "a، b"
    with translation.override("en"):
        assert render(source) == "a, b"
