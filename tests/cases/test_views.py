"""The counter, the back office and public tracking, through HTTP."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.cases.models import ServiceRequest
from pishkhan.core.identifiers import damm_check_digit
from pishkhan.core.text import to_persian_digits

from .conftest import PNG, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_otp(settings):
    settings.PISHKHAN_STAFF_OTP = False
    cache.clear()


def test_operator_files_at_the_counter(client):
    operator = User.objects.get(username="operator-1001")
    client.force_login(operator)
    from pishkhan.core.demo import demo_national_code

    code = demo_national_code(11)
    response = client.post(
        reverse("cases:office_identify"), {"national_code": code, "mobile": "۰۹۱۲۱۰۰۰۰۱۱"}
    )
    assert response.status_code == 302
    choose_url = response["Location"]
    token = choose_url.rstrip("/").split("/")[-1]
    html = client.get(choose_url).content.decode()
    assert "شناسنامه المثنی" in html
    form_url = reverse("cases:office_new_request", args=[token, "nocr-birth-certificate-duplicate"])
    page = client.get(form_url)
    form = page.context["form"]
    data = {"idempotency_key": form.initial["idempotency_key"]}
    for spec in form.field_specs:
        from pishkhan.cases.demo import sample_values

        data[f"field_{spec.key}"] = sample_values(form.service, operator).get(spec.key, "")
    files = {f"document_{d.pk}": pdf(f"d{d.pk}.pdf") for d in form.documents}
    response = client.post(form_url, {**data, **files})
    assert response.status_code == 302, response.context["form"].errors
    request = ServiceRequest.objects.get(idempotency_key=data["idempotency_key"])
    filed = ServiceRequest.objects.filter(citizen__national_code=code).count()
    assert request.citizen.national_code == code and request.office == operator.office
    # The same POST again (a double click, a retried request) makes no second request.
    files = {f"document_{d.pk}": pdf(f"d{d.pk}.pdf") for d in form.documents}
    again = client.post(form_url, {**data, **files})
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert ServiceRequest.objects.filter(citizen__national_code=code).count() == filed
    receipt = client.get(
        reverse("cases:office_receipt", args=[request.tracking_code])
    ).content.decode()
    assert "۳۰۰٬۰۰۰ ریال" in receipt


def test_identity_mismatch_is_a_clear_error(client):
    client.force_login(User.objects.get(username="operator-1001"))
    response = client.post(
        reverse("cases:office_identify"), {"national_code": "9990000115", "mobile": "09120000000"}
    )
    assert response.status_code == 200
    assert "ثبت احوال" in response.content.decode() or "registry" in response.content.decode()


def test_bad_uploads_are_refused_with_reasons(client, settings):
    from pishkhan.core.demo import demo_national_code

    settings.PISHKHAN_MAX_UPLOAD_MB = 1
    client.force_login(User.objects.get(username="operator-1001"))
    response = client.post(
        reverse("cases:office_identify"),
        {"national_code": demo_national_code(11), "mobile": "09121000011"},
    )
    token = response["Location"].rstrip("/").split("/")[-1]
    form_url = reverse("cases:office_new_request", args=[token, "nocr-birth-certificate-duplicate"])
    form = client.get(form_url).context["form"]
    documents = form.documents
    before = ServiceRequest.objects.count()
    cases = [
        (pdf("photo.pdf", PNG), "محتوای فایل با نام آن"),  # a PNG named .pdf
        (pdf("big.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)), "بزرگ‌تر"),
        (pdf("notes.txt", b"hello"), "فقط فایل"),
        (pdf("card.png", PNG), "باز نمی‌شود"),  # starts like a PNG, the rest is not one
    ]
    for upload, message in cases:
        files = {f"document_{documents[0].pk}": upload}
        response = client.post(form_url, {"idempotency_key": "x" * 20, **files})
        assert response.status_code == 200
        assert message in response.content.decode(), message
    assert ServiceRequest.objects.count() == before


def test_the_office_does_not_offer_it_is_a_404(client):
    from pishkhan.core.demo import demo_national_code
    from pishkhan.offices.models import OfficeService

    client.force_login(User.objects.get(username="operator-1001"))
    response = client.post(
        reverse("cases:office_identify"),
        {"national_code": demo_national_code(11), "mobile": "09121000011"},
    )
    token = response["Location"].rstrip("/").split("/")[-1]
    OfficeService.objects.filter(
        office__licence_number="23-1001", service__code="gas-meter-test"
    ).delete()
    assert (
        client.get(reverse("cases:office_new_request", args=[token, "gas-meter-test"])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("cases:office_new_request", args=["forged-token", "gas-meter-test"])
        ).status_code
        == 404
    )


def test_officer_queue_and_actions(client):
    officer = User.objects.get(username="officer-nocr-tehran")
    client.force_login(officer)
    html = client.get(reverse("cases:agency_queue")).content.decode()
    assert "data-sla=" in html
    request = ServiceRequest.objects.get(idempotency_key="demo-office-in_review")
    url = reverse("cases:agency_request", args=[request.tracking_code])
    response = client.post(url, {"action": "ask_info", "version": request.version, "comment": ""})
    assert response.status_code == 200  # the page again, the reason box marked (decision 55)
    request.refresh_from_db()
    assert request.status == "in_review"  # no message given: refused
    client.post(url, {"action": "ask_info", "version": request.version, "comment": "صفحه دوم"})
    request.refresh_from_db()
    assert request.status == "needs_info"
    filtered = client.get(
        reverse("cases:agency_queue"), {"sla": "breached", "from": "۱۴۰۰/۰۱/۰۱", "to": "bad"}
    )
    assert filtered.status_code == 200 and "سال/ماه/روز" in filtered.content.decode()


def test_public_tracking_reveals_nothing_to_a_wrong_national_code(client):
    request = ServiceRequest.objects.get(idempotency_key="demo-office-approved")
    url = reverse("cases:track")
    ok = client.post(
        url,
        {"tracking_code": request.tracking_code, "national_code": request.citizen.national_code},
    )
    assert ok.status_code == 200
    html = ok.content.decode()
    assert "تاییدشده" in html and request.citizen.last_name not in html
    wrong_person = client.post(
        url, {"tracking_code": request.tracking_code, "national_code": "0499370899"}
    )
    unknown_code = "12345678901"
    unknown_code += str(damm_check_digit(unknown_code))
    nobody = client.post(url, {"tracking_code": unknown_code, "national_code": "0499370899"})
    assert wrong_person.status_code == nobody.status_code == 404

    def answer(response, code):
        main = response.content.decode().split("<main")[1].split("</main>")[0]
        main = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)
        # The form shows the typed code again, in Persian digits.
        return main.replace(code, "CODE").replace(to_persian_digits(code), "CODE")

    # Word for word the same page: nothing says whether the code exists.
    assert answer(wrong_person, request.tracking_code) == answer(nobody, unknown_code)
    assert request.service.name_fa not in answer(wrong_person, request.tracking_code)


def test_a_mistyped_check_digit_is_caught_before_any_look_up(client, django_assert_num_queries):
    request = ServiceRequest.objects.select_related("citizen").get(
        idempotency_key="demo-office-approved"
    )
    typo = request.tracking_code[:-1] + str((int(request.tracking_code[-1]) + 1) % 10)
    with django_assert_num_queries(0):
        response = client.post(
            reverse("cases:track"),
            {"tracking_code": typo, "national_code": request.citizen.national_code},
        )
    assert response.status_code == 400
    assert "رقم آخر" in response.content.decode()


def test_tracking_is_rate_limited(client, settings):
    settings.PISHKHAN_TRACK_PER_MINUTE = 3
    for _ in range(3):
        assert (
            client.post(
                reverse("cases:track"), {"tracking_code": "1", "national_code": "1"}
            ).status_code
            == 400
        )
    response = client.post(reverse("cases:track"), {"tracking_code": "1", "national_code": "1"})
    assert response.status_code == 429
    assert "یک دقیقه" in response.content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["whole page", "htmx"])
def test_a_refused_look_up_has_the_error_summary_linking_to_each_field(client, htmx):
    # Decision 55's summary, as every other form has (it was a bare "correct the marked fields").
    headers = {"HX-Request": "true", "HX-Target": "track-answer"} if htmx else {}
    response = client.post(
        reverse("cases:track"), {"tracking_code": "1", "national_code": ""}, headers=headers
    )
    html = response.content.decode()
    assert response.status_code == 400
    summary = html[html.index('class="alert alert-danger error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert 'href="#id_tracking_code"' in summary and 'href="#id_national_code"' in summary
    assert 'role="alert"' in html and 'tabindex="-1"' in summary


def test_an_htmx_look_up_answers_with_the_answer_only(client):
    request = ServiceRequest.objects.select_related("citizen").get(
        idempotency_key="demo-office-approved"
    )
    data = {"tracking_code": request.tracking_code, "national_code": request.citizen.national_code}
    htmx = {"HX-Request": "true", "HX-Target": "track-answer"}
    answer = client.post(reverse("cases:track"), data, headers=htmx)
    html = answer.content.decode()
    assert answer.status_code == 200
    # The answer alone: the contents of the page's live region, not the region itself
    # (which stays in the page, so screen readers announce its new contents).
    assert "<form" not in html and 'id="track-answer"' not in html
    assert html.lstrip().startswith('<section class="card"')
    assert "تاییدشده" in html and 'class="timeline' in html
    nobody = client.post(
        reverse("cases:track"),
        {**data, "national_code": "0499370899"},
        headers=htmx,
    )
    assert nobody.status_code == 404 and "درخواستی با این کد رهگیری" in nobody.content.decode()
    # A form that needs correcting comes back whole, with its errors, in place of the old one
    # (base.html lets htmx swap 400, 404 and 429 answers).
    bad = client.post(
        reverse("cases:track"), {"tracking_code": "1", "national_code": "1"}, headers=htmx
    )
    assert bad.status_code == 400 and bad["HX-Retarget"] == "#track"
    assert bad.content.decode().lstrip().startswith('<div id="track">')
    assert 'aria-invalid="true"' in bad.content.decode()
    # The answer (none yet) goes into the page's live region out of band, the same node.
    assert (
        '<div id="track-answer" aria-live="polite" aria-atomic="true" hx-swap-oob="innerHTML">'
        in bad.content.decode()
    )
    # Corrected, from the form that carried the errors (it targets #track): the form again,
    # without its errors, and the answer into the live region out of band.
    corrected = client.post(
        reverse("cases:track"), data, headers={"HX-Request": "true", "HX-Target": "track"}
    )
    html = corrected.content.decode()
    assert corrected.status_code == 200 and 'aria-invalid="true"' not in html
    assert 'hx-swap-oob="innerHTML"' in html and "تاییدشده" in html
    # Without htmx, the whole page, with the answer in the live region (nothing out of band).
    page = client.post(reverse("cases:track"), data).content.decode()
    assert "<html" in page and "hx-swap-oob" not in page
    region = page.split('<div id="track-answer" aria-live="polite" aria-atomic="true">')[1]
    assert region.lstrip().startswith('<section class="card"')
    # The form asks htmx to replace only the region's contents.
    assert 'hx-target="#track-answer" hx-swap="innerHTML"' in page


def test_tracking_shows_the_due_day_only_while_a_decision_is_awaited(client):
    url = reverse("cases:track")
    for key, shown in (
        ("demo-office-in_review", True),
        ("demo-office-approved", False),
        ("demo-office-delivered", False),
        ("demo-office-cancelled", False),
    ):
        request = ServiceRequest.objects.select_related("citizen").get(idempotency_key=key)
        html = client.post(
            url,
            {
                "tracking_code": request.tracking_code,
                "national_code": request.citizen.national_code,
            },
        ).content.decode()
        assert ("decision-due" in html) is shown, key


@pytest.mark.parametrize("status", ["suspended", "revoked", "expired"])
def test_an_office_that_cannot_file_is_stopped_at_the_first_step(client, status, monkeypatch):
    from pishkhan.cases import services
    from pishkhan.cases.models import DataAccess
    from pishkhan.core.demo import demo_national_code
    from pishkhan.offices.models import Office

    operator = User.objects.get(username="operator-1001")
    client.force_login(operator)
    identify = reverse("cases:office_identify")
    code = demo_national_code(11)
    # A token from before the licence stopped (the steps are an hour's work at most).
    token = (
        client.post(identify, {"national_code": code, "mobile": "09121000011"})["Location"]
        .rstrip("/")
        .split("/")[-1]
    )
    Office.objects.filter(pk=operator.office_id).update(status=status)

    home = client.get(reverse("cases:office_home")).content.decode()
    assert "office-blocked" in home and f'href="{identify}"' not in home

    asked = []
    monkeypatch.setattr(services, "citizen_for", lambda *a: asked.append(a))
    accesses = DataAccess.objects.count()
    for response in (
        client.get(identify),
        client.post(identify, {"national_code": code, "mobile": "09121000011"}),
        client.get(reverse("cases:office_choose_service", args=[token])),
        client.get(
            reverse("cases:office_new_request", args=[token, "nocr-birth-certificate-duplicate"])
        ),
    ):
        html = response.content.decode()
        assert response.status_code == 409 and "office-blocked" in html
        assert "پروانه" in html and 'name="national_code"' not in html
        assert "شناسنامه المثنی" not in html  # no service list, no form
    assert asked == [] and DataAccess.objects.count() == accesses  # no registry inquiry


def test_a_suspended_offices_home_says_its_status_once(client):
    import datetime as dt

    from django.utils import timezone

    from pishkhan.core.jalali import format_jalali_date
    from pishkhan.licensing import services as licensing

    operator = User.objects.get(username="operator-1001")
    until = timezone.localdate() + dt.timedelta(days=30)
    licensing.suspend(
        operator.office_id,
        User.objects.get(username="regulator"),
        reason="اضافه‌دریافت",
        until=until,
    )
    client.force_login(operator)
    html = client.get(reverse("cases:office_home")).content.decode()
    notice = re.search(r'<div class="alert alert-danger office-blocked".*?</div>', html, re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", notice.group(0)))
    assert text.count("تعلیق‌شده") == 1, text
    assert "وضعیت پروانه: تعلیق‌شده تا" in text and "علت: اضافه‌دریافت" in text
    assert format_jalali_date(until) in text


def test_a_real_image_is_accepted():
    import io

    from PIL import Image

    from pishkhan.core.files import check_upload

    for fmt, name, kind in (("PNG", "card.png", "image/png"), ("JPEG", "card.jpg", "image/jpeg")):
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8), "white").save(buffer, fmt)
        data = buffer.getvalue()
        checked = check_upload(io.BytesIO(data), name, len(data), 1024 * 1024)
        assert checked.content_type == kind
