"""Refused forms speak for themselves (decision 55): an error summary linking to the fields, the
page's title saying "Error", each error tied to its own field, a kept document named on its
input, and an expired identification at the counter sending the operator back, not to a 404."""

import re

import pytest
from django import forms
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.cases.models import ServiceRequest
from pishkhan.core.demo import demo_national_code

from .conftest import pdf

pytestmark = pytest.mark.django_db

SERVICE = "nocr-birth-certificate-duplicate"


@pytest.fixture(autouse=True)
def _no_otp(settings):
    settings.PISHKHAN_STAFF_OTP = False
    cache.clear()


def ids_of(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


def tag(html: str, element_id: str) -> str:
    return re.search(rf'<(?:input|textarea|select)[^>]*\sid="{element_id}"[^>]*>', html).group(0)


def described_by(html: str, element_id: str) -> list[str]:
    found = re.search(r'aria-describedby="([^"]+)"', tag(html, element_id))
    return found.group(1).split() if found else []


def identify(client, number: int = 11) -> str:
    response = client.post(
        reverse("cases:office_identify"),
        {"national_code": demo_national_code(number), "mobile": f"091210000{number:02d}"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"].rstrip("/").split("/")[-1]


def test_a_refused_form_has_a_summary_linking_to_each_field_and_an_error_title(client):
    client.force_login(User.objects.get(username="operator-1001"))
    response = client.post(
        reverse("cases:office_identify"), {"national_code": "123", "mobile": "0912"}
    )
    html = response.content.decode()
    assert re.search(r"<title>خطا: ", html)
    summary = html.split('class="alert alert-danger error-summary" role="alert" tabindex="-1"')[1]
    summary = summary.split("</div>")[0]
    assert "<h2" in summary
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert targets == ["id_national_code", "id_mobile"]
    for target in targets:
        assert 'aria-invalid="true"' in tag(html, target)
    # A page whose form was not refused has its plain title.
    fresh = client.get(reverse("cases:office_identify")).content.decode()
    assert "<title>خطا" not in fresh and "error-summary" not in fresh


def test_the_error_title_is_in_english_too(client):
    client.force_login(User.objects.get(username="operator-1001"))
    client.cookies["pishkhan_language"] = "en"
    html = client.post(
        reverse("cases:office_identify"), {"national_code": "123", "mobile": "0912"}
    ).content.decode()
    assert re.search(r"<title>Error: ", html)


def test_a_field_with_two_errors_has_one_error_element_and_no_duplicate_ids():
    class Two(forms.Form):
        tracking_code = forms.CharField(label="کد رهگیری", help_text="راهنما")
        national_code = forms.CharField()
        code = forms.CharField()

    form = Two(data={})
    form.is_valid()
    for name in ("tracking_code", "national_code", "code"):
        form.add_error(name, "خطای دوم")
    pages = [
        render_to_string("_field.html", {"field": form["tracking_code"]}),
        render_to_string("cases/_track.html", {"form": form}),
        render_to_string("payments/verify_entry.html", {"form": form}),
    ]
    for html in pages:
        ids = ids_of(html)
        assert len(ids) == len(set(ids)), ids
        assert "خطای دوم" in html
    field = pages[0]
    assert ids_of(field).count("id_tracking_code_error") == 1
    assert described_by(field, "id_tracking_code") == [
        "id_tracking_code_help",
        "id_tracking_code_error",
    ]
    assert pages[1].count('id="id_national_code_error"') == 1
    assert pages[2].count('id="id_code_error"') == 1


def test_a_missing_reason_is_the_reason_boxs_own_error(client):
    client.force_login(User.objects.get(username="officer-nocr-tehran"))
    request = ServiceRequest.objects.get(idempotency_key="demo-office-in_review")
    url = reverse("cases:agency_request", args=[request.tracking_code])
    for action in ("ask_info", "reject"):
        response = client.post(url, {"action": action, "version": request.version, "comment": " "})
        assert response.status_code == 200  # the page again, not a redirect to a flash message
        html = response.content.decode()
        box = tag(html, "id_comment")
        assert box.startswith("<textarea") and 'aria-invalid="true"' in box and 'dir="auto"' in box
        assert described_by(html, "id_comment") == ["id_comment_error"]
        assert re.search(r'id="id_comment_error"><div>[^<]*علت', html)
        assert re.findall(r'class="alert-link" href="#([^"]+)"', html) == ["id_comment"]
        assert "<title>خطا: " in html
        request.refresh_from_db()
        assert request.status == "in_review"
    # With the reason, the step is taken.
    client.post(url, {"action": "ask_info", "version": request.version, "comment": "صفحه دوم"})
    request.refresh_from_db()
    assert request.status == "needs_info"


def test_the_queues_date_filter_marks_and_describes_a_wrong_date(client):
    client.force_login(User.objects.get(username="officer-nocr-tehran"))
    html = client.get(reverse("cases:agency_queue"), {"from": "garbage"}).content.decode()
    assert 'aria-invalid="true"' in tag(html, "f-from")
    assert described_by(html, "f-from") == ["f-from_help", "f-from_error"]
    assert re.search(r'id="f-from_error"><div>[^<]*سال/ماه/روز', html)
    assert re.search(r'<div class="form-text" id="f-from_help">سال/ماه/روز', html)
    assert re.findall(r'class="alert-link" href="#([^"]+)"', html) == ["f-from"]
    assert "<title>خطا: " in html
    # The right date is still a hint tied to its input, and is not marked.
    assert described_by(html, "f-to") == ["f-to_help"]
    assert "aria-invalid" not in tag(html, "f-to")


def test_a_kept_document_is_named_on_its_input(client):
    client.force_login(User.objects.get(username="operator-1001"))
    token = identify(client)
    url = reverse("cases:office_new_request", args=[token, SERVICE])
    form = client.get(url).context["form"]
    document = form.documents[0]
    response = client.post(
        url, {"idempotency_key": "k" * 20, f"document_{document.pk}": pdf("card.pdf")}
    )
    html = response.content.decode()
    input_id = f"id_document_{document.pk}"
    assert f"{input_id}_held" in described_by(html, input_id)
    assert 'data-held="card.pdf (نگه داشته شده)"' in tag(html, input_id)
    assert f'id="{input_id}_held"' in html


def test_an_expired_identification_sends_the_operator_back_and_files_nothing(client, monkeypatch):
    client.force_login(User.objects.get(username="operator-1001"))
    token = identify(client)
    url = reverse("cases:office_new_request", args=[token, SERVICE])
    form = client.get(url).context["form"]
    before = ServiceRequest.objects.count()
    monkeypatch.setattr("pishkhan.cases.views.office.CITIZEN_TOKEN_MAX_AGE", -1)
    files = {f"document_{d.pk}": pdf(f"d{d.pk}.pdf") for d in form.documents}
    response = client.post(url, {"idempotency_key": "e" * 20, **files})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:office_identify") + f"?service={SERVICE}"
    assert ServiceRequest.objects.count() == before
    page = client.get(response["Location"]).content.decode()
    assert re.search(r'role="alert"[^>]*>[^<]*یک ساعت[^<]*ثبت نشد[^<]*دوباره وارد شود', page)
    assert "پس از بررسی، فرم «" in page
    # The choice of service is kept: identified again, the operator is at the same form.
    monkeypatch.undo()
    again = client.post(
        response["Location"],
        {"national_code": demo_national_code(11), "mobile": "09121000011"},
    )
    assert again.status_code == 302 and again["Location"].endswith(f"/{SERVICE}/")
    assert client.get(again["Location"]).status_code == 200
    # The service step too; a forged token is still not found.
    monkeypatch.setattr("pishkhan.cases.views.office.CITIZEN_TOKEN_MAX_AGE", -1)
    choose = client.get(reverse("cases:office_choose_service", args=[token]))
    assert choose.status_code == 302 and choose["Location"] == reverse("cases:office_identify")
    assert (
        client.post(reverse("cases:office_new_request", args=["forged", SERVICE])).status_code
        == 404
    )


def test_an_unknown_service_in_the_identify_address_is_ignored(client):
    client.force_login(User.objects.get(username="operator-1001"))
    url = reverse("cases:office_identify") + "?service=" + "x/../" * 30
    assert "پس از بررسی" not in client.get(url).content.decode()
    response = client.post(url, {"national_code": demo_national_code(11), "mobile": "09121000011"})
    assert response.status_code == 302 and "/office/new/" in response["Location"]
    assert response["Location"].count("/") == 4  # the service step: /office/new/<token>/


def test_the_code_page_says_how_long_the_code_lasts_and_when_a_new_one_may_be_asked(client):
    import datetime as dt

    from django.utils import timezone

    from pishkhan.accounts.models import OneTimeCode
    from pishkhan.core.jalali import format_time

    national_code, mobile = demo_national_code(1), "09121000001"
    login = reverse("cases:portal_login")
    client.post(login, {"national_code": national_code, "mobile": mobile})
    sent = OneTimeCode.objects.filter(national_code=national_code).latest("created_at")
    html = client.get(reverse("cases:portal_code")).content.decode()
    lifetime = re.search(r'<p class="text-body-secondary code-lifetime">([^<]*)</p>', html).group(1)
    assert "۲ دقیقه" in lifetime and format_time(sent.expires_at) in lifetime
    next_code = re.search(r'<p class="mt-3 small next-code">(.*?)</p>', html, re.S).group(1)
    assert (
        f"(از ساعت {format_time(sent.created_at + dt.timedelta(seconds=60), round_up=True)})"
        in (next_code)
    )
    assert not re.search(r"[0-9]", lifetime + re.sub(r"<[^>]+>", "", next_code))
    # Asking again at once: the refusal says from when, in Persian digits.
    again = client.post(login, {"national_code": national_code, "mobile": mobile}).content.decode()
    assert re.search(r"همین حالا کدی فرستاده شد. از ساعت [۰-۹]{2}:[۰-۹]{2} می‌توانید", again)
    # The hourly limit says how many and from when.
    OneTimeCode.objects.filter(national_code=national_code).update(
        created_at=timezone.now() - dt.timedelta(minutes=50)
    )
    for _ in range(4):
        OneTimeCode.objects.create(
            national_code=national_code,
            mobile=mobile,
            code_hash="x",
            expires_at=timezone.now(),
            created_at=timezone.now() - dt.timedelta(minutes=5),
        )
    OneTimeCode.objects.filter(code_hash="x").update(
        created_at=timezone.now() - dt.timedelta(minutes=5)
    )
    limit = client.post(login, {"national_code": national_code, "mobile": mobile}).content.decode()
    expected = format_time(
        OneTimeCode.objects.filter(national_code=national_code).earliest("created_at").created_at
        + dt.timedelta(hours=1),
        round_up=True,
    )
    assert "در یک ساعت گذشته ۵ کد" in limit and f"از ساعت {expected}" in limit
