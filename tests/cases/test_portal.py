"""The citizen's portal, through HTTP: sign in by SMS code, file online, answer, decision."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.cases.demo import sample_values
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.services import transition
from pishkhan.catalog.models import Service
from pishkhan.core.demo import demo_national_code
from pishkhan.notify.models import OutboxMessage

from .conftest import file_in_portal, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.PISHKHAN_STAFF_OTP = False
    cache.clear()


def sign_in(client, seed=1, mobile="09121000001"):
    code = demo_national_code(seed)
    response = client.post(reverse("cases:portal_login"), {"national_code": code, "mobile": mobile})
    assert response.status_code == 302, response.content.decode()[:3000]
    body = OutboxMessage.objects.filter(event="sign_in_code", recipient=mobile).latest("id").body
    one_time = re.search(r"(\d{6})", body).group(1)
    response = client.post(reverse("cases:portal_code"), {"code": one_time})
    assert response["Location"] == reverse("cases:portal_home")
    return User.objects.get(username=code)


def test_portal_needs_a_citizen_sign_in(client):
    response = client.get(reverse("cases:portal_home"))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("cases:portal_login")
    )
    client.force_login(User.objects.get(username="operator-1001"))
    assert client.get(reverse("cases:portal_home")).status_code == 404


@pytest.mark.usefixtures("document_storage")
def test_file_online_in_three_screens_answer_and_see_the_decision(client):
    citizen = sign_in(client)
    home = client.get(reverse("cases:portal_home")).content.decode()
    assert "زهرا احمدی" in home and "۹۹۹۰۰۰۰۰۱۸" in home
    # Screen 1: the service; screen 2: the form; screen 3: the request.
    service = Service.objects.get(code="nocr-single-status-certificate")
    assert service.name_fa in client.get(reverse("cases:portal_choose_service")).content.decode()
    request, response = file_in_portal(client, service, citizen)
    filed = request.attachments.count()
    assert request.channel == "online" and [line["code"] for line in request.fee_lines] == [
        "government"
    ]
    page = client.get(response["Location"]).content.decode()
    assert "ثبت‌شده" in page and "کارمزد دفتر" not in page

    officer = User.objects.get(username="officer-nocr-tehran")
    transition(request.pk, "start_review", officer)
    transition(request.pk, "ask_info", officer, comment="لطفاً تصویر شناسنامه را دوباره بفرستید.")
    page = client.get(response["Location"]).content.decode()
    assert "لطفاً تصویر شناسنامه را دوباره بفرستید." in page and "answer-form" in page
    request.refresh_from_db()
    answer = {f"field_{k}": v for k, v in sample_values(service, citizen).items()}
    answer.update({"version": request.version, "idempotency_key": "resubmit"})
    document = service.documents.first()
    answered = client.post(
        reverse("cases:portal_answer", args=[request.tracking_code]),
        {**answer, f"document_{document.pk}": pdf("new.pdf")},
    )
    assert answered.status_code == 302
    request.refresh_from_db()
    assert request.status == "resubmitted" and request.attachments.count() == filed + 1
    transition(request.pk, "start_review", officer)
    transition(request.pk, "approve", officer)
    page = client.get(response["Location"]).content.decode()
    assert "تاییدشده" in page
    assert set(
        OutboxMessage.objects.filter(subject_id=str(request.pk)).values_list("event", flat=True)
    ) >= {"submitted", "needs_info", "approved"}
    receipt = client.get(
        reverse("cases:portal_receipt", args=[request.tracking_code])
    ).content.decode()
    assert "ثبت برخط" in receipt or "برخط" in receipt


def test_a_service_not_offered_online_is_refused(client):
    sign_in(client)
    response = client.get(
        reverse("cases:portal_new_request", args=["nocr-national-id-card-replacement"]), follow=True
    )
    html = response.content.decode()
    assert "این خدمت به‌صورت برخط ارائه نمی‌شود" in html
    # An error is shown as one (Bootstrap's red alert, announced by screen readers), not as
    # plain text: "alert-error" is no Bootstrap class.
    assert '<div class="alert alert-danger" role="alert">این خدمت' in html
    assert not ServiceRequest.objects.filter(
        service__code="nocr-national-id-card-replacement", channel="online"
    ).exists()


def test_someone_elses_request_is_not_found(client):
    sign_in(client, seed=2, mobile="09131000002")
    theirs = ServiceRequest.objects.get(idempotency_key="demo-online-submitted")
    assert (
        client.get(reverse("cases:portal_request", args=[theirs.tracking_code])).status_code == 404
    )
    assert (
        client.post(
            reverse("cases:portal_request", args=[theirs.tracking_code]),
            {"action": "cancel", "version": theirs.version},
        ).status_code
        == 404
    )


def test_cancel_before_review(client):
    sign_in(client)
    mine = ServiceRequest.objects.get(idempotency_key="demo-online-submitted")
    client.post(
        reverse("cases:portal_request", args=[mine.tracking_code]),
        {"action": "cancel", "version": mine.version},
    )
    mine.refresh_from_db()
    assert mine.status == "cancelled"


def test_wrong_code_messages(client):
    code = demo_national_code(1)
    client.post(reverse("cases:portal_login"), {"national_code": code, "mobile": "09121000001"})
    response = client.post(reverse("cases:portal_code"), {"code": "12345x"})
    assert "۶ رقم" in response.content.decode()
    response = client.post(reverse("cases:portal_code"), {"code": "000001"})
    html = response.content.decode()
    assert "کد نادرست است" in html or "منقضی" in html
    other = demo_national_code(3)
    bad = client.post(
        reverse("cases:portal_login"), {"national_code": other, "mobile": "09120000000"}
    )
    assert "به نام این کد ملی ثبت نشده" in bad.content.decode()


def test_junk_in_the_answer_form_is_not_a_server_error(client):
    sign_in(client)
    mine = ServiceRequest.objects.get(idempotency_key="demo-online-needs_info")
    response = client.post(
        reverse("cases:portal_answer", args=[mine.tracking_code]),
        {"version": "abc", "field_purpose": "x" * 5000},
    )
    assert response.status_code in (302, 400)
    mine.refresh_from_db()
    assert mine.status == "needs_info"


@pytest.mark.usefixtures("document_storage")
def test_the_citizen_opens_their_own_documents_and_sees_no_due_date_once_decided(
    client, file_request, officer
):
    from pishkhan.accounts.models import User

    request, _ = file_request()
    attachment = request.attachments.first()
    url = reverse("cases:attachment", args=[request.tracking_code, attachment.pk])
    client.force_login(User.objects.get(username="9990000018"))
    page = client.get(reverse("cases:portal_request", args=[request.tracking_code]))
    html = page.content.decode()
    assert url in html and "(<bdi>PDF</bdi> · " in html and "application/pdf" not in html
    assert 'class="col-sm-8 decision-due"' in html
    answer = client.get(url)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert b"".join(answer.streaming_content).startswith(b"%PDF")
    client.force_login(User.objects.get(username="9990000026"))  # another citizen
    assert client.get(url).status_code == 404
    # Decided: the due day gives way to the day of the decision.
    transition(request.pk, "start_review", officer)
    transition(request.pk, "reject", officer, comment="مدارک ناقص است.")
    client.force_login(User.objects.get(username="9990000018"))
    html = client.get(reverse("cases:portal_request", args=[request.tracking_code])).content
    assert b"decision-due" not in html and b"decided-on" in html
