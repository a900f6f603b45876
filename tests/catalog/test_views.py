import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_is_persian_rtl_with_agencies_and_search(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fa" dir="rtl">' in html
    assert "سازمان ثبت احوال کشور" in html
    assert 'action="/services/"' in html and 'name="q"' in html
    assert "bootstrap.rtl.min.css" in html
    assert "۸ خدمت" in html  # eight Civil Registration services, in Persian digits


def test_browser_language_is_ignored_and_the_cookie_switches(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="fa" dir="rtl">' in response.content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "National Organization for Civil Registration" in html
    assert "8 services" in html


def test_search_page(client):
    response = client.get("/services/", {"q": "کارت ملي"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "کارت ملی المثنی" in html
    assert "/services/nocr-national-id-card-duplicate/" in html


def test_search_with_nothing_found_says_so(client):
    html = client.get("/services/", {"q": "زززز"}).content.decode()
    assert "۰ خدمت برای «زززز» پیدا شد." in html


def test_overlong_or_odd_queries_do_not_fail(client):
    for q in [
        "x" * 5000,
        "%",
        "_",
        "'; DROP TABLE x; --",
        "\u200c\u200c",
        "<script>alert(1)</script>",
    ]:
        response = client.get("/services/", {"q": q})
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_agency_filter(client):
    html = client.get("/services/", {"agency": "gas"}).content.decode()
    assert "شرکت ملی گاز ایران" in html and "۴ خدمت." in html
    html = client.get("/services/", {"agency": "nope"}).content.decode()
    assert "دستگاهی با این کد وجود ندارد." in html


def test_service_page_shows_fee_lines_documents_fields_and_sla(client):
    html = client.get("/services/nocr-birth-certificate-duplicate/").content.decode()
    assert "شناسنامه المثنی" in html
    assert "تعرفه دولتی" in html and "۳۰۰٬۰۰۰ ریال" in html
    assert "کارمزد دفتر (حداکثر)" in html
    assert 'data-channel="office"' in html and 'data-channel="online"' in html
    assert "تصویر کارت ملی" in html
    assert "روز کاری" in html


def test_online_only_service_page(client):
    html = client.get("/services/moe-teacher-employment-certificate/").content.decode()
    assert 'data-channel="online"' in html and 'data-channel="office"' not in html
    assert "رایگان" in html


def test_unknown_service_is_a_persian_404(client):
    response = client.get("/services/no-such-service/")
    assert response.status_code == 404
    assert "صفحه پیدا نشد" in response.content.decode()


def test_inactive_service_is_not_shown(client):
    from pishkhan.catalog.models import Service

    Service.objects.filter(code="gas-meter-test").update(is_active=False)
    assert client.get("/services/gas-meter-test/").status_code == 404
    assert "gas-meter-test" not in client.get("/services/", {"agency": "gas"}).content.decode()


def test_search_and_home_use_few_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        client.get("/services/", {"q": "انشعاب"})
    with django_assert_max_num_queries(3):
        client.get("/")
    with django_assert_max_num_queries(8):
        client.get("/services/abfa-water-connection/")


def test_staff_are_not_sent_to_the_citizens_portal_they_cannot_open(client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    from pishkhan.accounts.models import User

    url = "/services/nocr-single-status-certificate/"
    portal = "/portal/new/nocr-single-status-certificate/"
    assert portal in client.get(url).content.decode()  # anyone not signed in: the way in
    client.force_login(User.objects.get(username="operator-1001"))
    html = client.get(url).content.decode()
    assert portal not in html and "به‌عنوان کارکنان وارد شده‌اید" in html
    assert client.get(portal).status_code == 404  # what the button led to
