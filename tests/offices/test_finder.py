"""The public office finder and office pages: filters, fees beside caps, junk, query counts."""

import pytest
from django.urls import reverse

from pishkhan.catalog.models import Service
from pishkhan.core.models import County
from pishkhan.offices.models import Office, OfficeService, OfficeStatus

pytestmark = pytest.mark.django_db

DUPLICATE = "nocr-birth-certificate-duplicate"
NO_OFFICE = "هیچ دفتری نمایش داده نمی‌شود"


@pytest.fixture
def tehran():
    return County.objects.get(sci_code="2301")


def listed(response):
    """Licence numbers of the offices listed on a finder page, in order."""
    import re

    return re.findall(r'data-licence="([^"]+)"', response.content.decode())


def test_no_login_and_every_active_office_listed(client):
    response = client.get("/offices/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in html
    assert "یافتن دفتر پیشخوان" in html
    assert listed(response) == sorted(
        Office.objects.active().values_list("licence_number", flat=True),
        key=listed(response).index,
    )
    assert "03-5001" not in listed(response)  # suspended
    assert "۵ دفتر پیدا شد." in html


@pytest.mark.parametrize(
    "status", [OfficeStatus.SUSPENDED, OfficeStatus.REVOKED, OfficeStatus.EXPIRED]
)
def test_an_office_that_cannot_file_is_neither_listed_nor_shown(client, status):
    Office.objects.filter(licence_number="23-1002").update(status=status)
    assert "23-1002" not in listed(client.get("/offices/", {"province": "23"}))
    assert client.get("/offices/23-1002/").status_code == 404


def test_filter_by_province_and_county(client, tehran):
    assert listed(client.get("/offices/", {"province": "23"})) == ["23-1001", "23-1002"]
    response = client.get("/offices/", {"province": "23", "county": tehran.pk})
    assert listed(response) == ["23-1001", "23-1002"]
    html = response.content.decode()
    # The county list is the province's, with Tehran chosen.
    assert f'<option value="{tehran.pk}" selected>تهران</option>' in html
    assert listed(client.get("/offices/", {"province": "10"})) == ["10-2001"]
    isfahan = County.objects.get(sci_code="1002")
    assert listed(client.get("/offices/", {"county": isfahan.pk})) == ["10-2001"]


def test_persian_digits_in_the_address_bar_work(client):
    assert listed(client.get("/offices/", {"province": "۲۳"})) == ["23-1001", "23-1002"]


def test_a_county_without_an_office_says_so(client):
    other = County.objects.filter(province__sci_code="23").exclude(sci_code="2301").first()
    response = client.get("/offices/", {"province": "23", "county": other.pk})
    assert listed(response) == []
    assert "هیچ دفتر فعالی پیدا نشد" in response.content.decode()


def test_service_filter_shows_the_office_fee_beside_the_cap(client, tehran):
    service = Service.objects.get(code=DUPLICATE)
    OfficeService.objects.filter(office__licence_number="23-1002", service=service).update(
        office_fee_rials=250_000
    )
    response = client.get(
        "/offices/", {"province": "23", "county": tehran.pk, "service": DUPLICATE}
    )
    html = response.content.decode()
    assert listed(response) == ["23-1001", "23-1002"]
    cards = html.split('data-licence="')[1:]
    # 80 % of the 450,000 cap (the demo), and the office that charges less.
    assert "۳۶۰٬۰۰۰ ریال" in cards[0] and "۴۵۰٬۰۰۰ ریال" in cards[0]
    assert "۲۵۰٬۰۰۰ ریال" in cards[1] and "۴۵۰٬۰۰۰ ریال" in cards[1]
    # Total: government fee 300,000 + office fee 360,000 + 10 % VAT 36,000.
    assert "۶۹۶٬۰۰۰ ریال" in cards[0]
    assert "سقف رسمی" in html and "کارمزد این دفتر" in html
    # Cheaper online: the same service without an office fee, linked to its page.
    assert "ارزان‌تر به‌صورت برخط" in html
    assert f'href="/services/{DUPLICATE}/"' in html
    assert f'<option value="{DUPLICATE}" selected>' in html


def test_an_office_that_does_not_offer_the_service_is_not_listed(client):
    OfficeService.objects.filter(office__licence_number="23-1002", service__code=DUPLICATE).delete()
    assert listed(client.get("/offices/", {"province": "23", "service": DUPLICATE})) == ["23-1001"]


def test_a_fee_above_a_since_lowered_cap_is_shown_at_the_cap(client):
    OfficeService.objects.filter(office__licence_number="23-1001", service__code=DUPLICATE).update(
        office_fee_rials=9_000_000
    )
    html = client.get("/offices/", {"province": "23", "service": DUPLICATE}).content.decode()
    card = html.split('data-licence="23-1001"')[1].split("</article>")[0]
    assert "۹٬۰۰۰٬۰۰۰" not in card
    assert card.count("۴۵۰٬۰۰۰ ریال") == 2


def test_an_office_only_service_has_no_online_note(client):
    html = client.get(
        "/offices/", {"province": "23", "service": "nocr-marriage-divorce-registration"}
    ).content.decode()
    assert "data-licence" in html
    assert "ارزان‌تر به‌صورت برخط" not in html


def test_an_online_only_service_points_online(client):
    response = client.get("/offices/", {"service": "moe-teacher-employment-certificate"})
    html = response.content.decode()
    assert response.status_code == 200
    assert listed(response) == []
    assert "فقط به‌صورت برخط ارائه می‌شود" in html
    assert 'href="/services/moe-teacher-employment-certificate/"' in html


@pytest.mark.parametrize(
    "params",
    [
        {"province": "xx"},
        {"province": "99"},
        {"county": "abc"},
        {"county": "-1"},
        {"county": "99999999999999999999"},
        {"county": "999999"},
        {"service": "no-such-service"},
        {"service": "' OR 1=1 --"},
        {"province": "ي" * 500},
        {"province": "23", "county": "0"},
        {"province": "xx", "county": "1", "service": "nope"},
    ],
)
def test_junk_gives_an_empty_result_with_a_note(client, params):
    response = client.get("/offices/", {**params, "page": "junk"})
    assert response.status_code == 200
    assert listed(response) == []
    assert NO_OFFICE in response.content.decode()


def test_an_inactive_service_is_unknown(client):
    Service.objects.filter(code=DUPLICATE).update(is_active=False)
    response = client.get("/offices/", {"service": DUPLICATE})
    assert listed(response) == [] and NO_OFFICE in response.content.decode()


def test_a_county_of_another_province_is_set_aside(client, tehran):
    response = client.get("/offices/", {"province": "10", "county": tehran.pk})
    assert listed(response) == ["10-2001"]
    assert "کل استان" in response.content.decode()


def test_junk_page_numbers_fall_back(client):
    for page in ["0", "-3", "x", "99999999999999999999"]:
        response = client.get("/offices/", {"page": page})
        assert response.status_code == 200 and len(listed(response)) == 5


def test_pages_keep_the_filters(client, settings, monkeypatch):
    from pishkhan.offices import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    response = client.get("/offices/", {"province": "23", "service": DUPLICATE})
    html = response.content.decode()
    assert listed(response) == ["23-1001"]
    assert f"?province=23&amp;service={DUPLICATE}&amp;page=2" in html
    response = client.get("/offices/", {"province": "23", "service": DUPLICATE, "page": "2"})
    assert listed(response) == ["23-1002"]


def test_the_finder_uses_few_queries(client, tehran, django_assert_max_num_queries):
    everything = {"province": "23", "county": tehran.pk, "service": DUPLICATE}
    with django_assert_max_num_queries(7):
        # provinces, counties, services, the service's fees, the count, the page; and the VAT
        # rates, read once per process and catalogue generation (catalog.filing.vat_rates)
        client.get("/offices/", everything)
    with django_assert_max_num_queries(4):
        client.get("/offices/")


def test_queries_do_not_grow_with_the_number_of_offices(client, django_assert_max_num_queries):
    from pishkhan.offices.services import set_office_fee

    service = Service.objects.get(code=DUPLICATE)
    county = County.objects.get(sci_code="2301")
    for n in range(10):
        office = Office.objects.create(
            licence_number=f"23-9{n:03}",
            name=f"دفتر آزمایشی {n}",
            county=county,
            address="تهران",
            postal_code="1991612345",
            phone="02100000000",
        )
        set_office_fee(office, service, 100_000)
    with django_assert_max_num_queries(7):  # (with the VAT rates, read once per process)
        response = client.get("/offices/", {"province": "23", "service": DUPLICATE})
    assert len(listed(response)) == 12


def test_office_page_lists_services_with_fees_beside_caps(client):
    response = client.get(reverse("offices:office_detail", args=["23-1001"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "دفتر پیشخوان دولت ۱۰۰۱ تهران (ونک)" in html
    assert "تهران، میدان ونک، خیابان ملاصدرا، پلاک ۱۲" in html
    assert "۰۲۱۸۸۰۰۱۰۰۱" in html and "شنبه تا چهارشنبه ۸ تا ۱۶" in html
    row = html.split(f'data-service="{DUPLICATE}"')[1].split("</tr>")[0]
    assert "۳۶۰٬۰۰۰ ریال" in row and "۴۵۰٬۰۰۰ ریال" in row
    assert "به‌صورت برخط هم، بدون کارمزد دفتر" in row
    offered = OfficeService.objects.filter(office__licence_number="23-1001").count()
    assert html.count("data-service=") == offered
    assert "<caption" in html


def test_office_page_hides_services_no_longer_offered(client):
    Service.objects.filter(code=DUPLICATE).update(is_active=False)
    html = client.get("/offices/23-1001/").content.decode()
    assert f'data-service="{DUPLICATE}"' not in html


def test_office_page_uses_few_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        # the office, its offerings with their services, the services' fees; the VAT rates
        # (read once per process and catalogue generation: the tests start each one afresh)
        client.get("/offices/23-1001/")


@pytest.mark.parametrize("licence", ["99-9999", "x", "ي" * 300, "03-5001"])
def test_unknown_or_inactive_licence_is_a_404(client, licence):
    response = client.get(f"/offices/{licence}/")
    assert response.status_code == 404
    assert "صفحه پیدا نشد" in response.content.decode()


def test_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get("/offices/", {"province": "23", "service": DUPLICATE})
    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "2 offices found." in html and "360,000 Rials" in html and "Tehran" in html


def test_each_office_shows_its_rating(client):
    ranked = Office.objects.get(licence_number="23-1001")
    Office.objects.filter(pk=ranked.pk).update(rank=2)
    html = client.get(reverse("offices:finder")).content.decode()
    card = html.split('data-licence="23-1001"')[1].split("</dl>")[0]
    assert "رتبه ۲ از ۳" in card
    assert "هنوز رتبه‌بندی نشده" in html  # the offices the ranking has not reached yet
