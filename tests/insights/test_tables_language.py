"""A dashboard cell holding a Persian-only name says so on a page in English (decision 54)."""

from django.utils import translation

from pishkhan.insights.tables import Cell


def test_a_persian_name_in_a_cell_is_marked_persian_on_english_pages_only():
    county, number = Cell("اصفهان", href="/x/"), Cell("12", 12, numeric=True)
    with translation.override("en"):
        assert county.html("th", "row") == (
            '<th scope="row" class="fw-normal" lang="fa"><a href="/x/">اصفهان</a></th>'
        )
        assert Cell("Isfahan").html() == "<td>Isfahan</td>"
        assert 'lang="fa"' not in number.html()
    with translation.override("fa"):
        assert 'lang="fa"' not in county.html("th", "row")
