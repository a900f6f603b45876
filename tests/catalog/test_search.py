import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pishkhan.catalog.models import Service

pytestmark = pytest.mark.django_db

ZWNJ = "\u200c"


def codes(query):
    return set(Service.objects.active().search(query).values_list("code", flat=True))


def test_arabic_yeh_finds_the_persian_spelling():
    assert "nocr-national-id-card-duplicate" in codes("کارت ملي")


@pytest.mark.parametrize(
    "query",
    ["کارت ملی", "كارت ملي", f"کارت{ZWNJ}ملی", "کارتملی", "  کارت   ملی  ", "national id card"],
)
def test_spellings_find_the_same_services(query):
    assert codes(query) == codes("کارت ملی") != set()


def test_digits_in_any_script():
    # Services mention the 1403 fee year in none of their names; a digit query still runs and
    # Persian and Latin digits find the same.
    assert codes("۱۰") == codes("10") == codes("١٠")


def test_every_term_must_match():
    assert codes("کارت ملی") and codes("موتور") and not codes("کارت ملی موتور")


def test_search_is_one_query():
    with CaptureQueriesContext(connection) as queries:
        list(Service.objects.active().search("انشعاب آب"))
    assert len(queries) == 1
