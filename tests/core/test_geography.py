import pytest

from pishkhan.core.models import County, Province

pytestmark = pytest.mark.django_db


def test_provinces_and_counties_are_loaded():
    assert Province.objects.count() == 31
    assert County.objects.count() == 448
    assert sum(Province.objects.values_list("population_2016", flat=True)) == 79_926_270
    tehran = Province.objects.get(sci_code="23")
    assert (tehran.iso_code, tehran.name_fa, tehran.name_en) == (
        "IR-23",
        "تهران",
        "Tehran",
    )  # ISO 3166-2 since 2020
    assert tehran.counties.filter(name_fa="تهران").exists()
    assert Province.objects.filter(name_fa="سیستان و بلوچستان").exists()


def test_every_province_has_counties_and_names_are_persian():
    for province in Province.objects.prefetch_related("counties"):
        assert province.counties.exists(), province
        assert province.iso_code.startswith("IR-")
    assert not County.objects.filter(name_fa__regex="[يك]").exists()
