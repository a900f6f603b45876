"""Academic-record verification and the teacher's employment certificate: who may ask, the
Assessment Center's steps, the certificate's data, revocation, the public page and the keys."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from pishkhan.accounts.identity import citizen_for
from pishkhan.accounts.models import IdentityRecord, User
from pishkhan.accounts.roles import Role
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.services import RequestError, submit, transition
from pishkhan.catalog.models import Channel, Service
from pishkhan.core.demo import demo_national_code
from pishkhan.core.text import to_persian_digits
from pishkhan.education import certificates
from pishkhan.education.models import (
    AcademicRecord,
    Certificate,
    CertificateStatus,
    Student,
    Teacher,
)
from pishkhan.notify.models import OutboxMessage
from pishkhan.offices.models import Office
from pishkhan.payments import signing
from pishkhan.payments.models import Invoice

pytestmark = pytest.mark.django_db

STUDENT = demo_national_code(1)  # has two upper-secondary years and a diploma (demo)
PARENT = demo_national_code(2)  # parent of the minor 9990001014 (primary, 1403)
MINOR = demo_national_code(101)
TEACHER = demo_national_code(201)
FORM = {
    "level": "upper_secondary",
    "final_year": "1392",
    "purpose": "university",
    "recipient_name": "دانشگاه صنعتی شریف",
}


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    settings.PISHKHAN_STAFF_OTP = False  # staff sign-in has its own tests (accounts)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def service() -> Service:
    return Service.objects.get(code=certificates.ACADEMIC_SERVICE)


@pytest.fixture
def student() -> User:
    return User.objects.get(role=Role.CITIZEN, national_code=STUDENT)


@pytest.fixture
def officer() -> User:
    return User.objects.get(username="sanjesh-tehran")


def file_online(service: Service, citizen: User, **form: str) -> ServiceRequest:
    request, _ = submit(
        service=service,
        citizen=citizen,
        channel=Channel.ONLINE,
        actor=citizen,
        form_values={**FORM, **form},
    )
    return request


def issued(service: Service, citizen: User, officer: User) -> Certificate:
    request = file_online(service, citizen)
    transition(request.pk, "start_check", officer)
    transition(request.pk, "issue", officer)
    return Certificate.objects.get(request=request)


# --- filing -----------------------------------------------------------------------------------


def test_online_the_student_files_free_with_purpose_and_recipient(service, student):
    request = file_online(service, student)
    assert request.status == "submitted"
    assert request.fee_total_rials == 0
    assert Invoice.objects.get(request=request).total_rials == 0
    assert request.form_data["purpose"] == "university"
    assert request.form_data["recipient_name"] == "دانشگاه صنعتی شریف"


def test_at_an_office_the_same_service_carries_the_office_fee(service, student):
    office = Office.objects.get(licence_number="23-1001")
    operator = User.objects.get(username="operator-1001")
    request, _ = submit(
        service=service,
        citizen=student,
        channel=Channel.OFFICE,
        actor=operator,
        office=office,
        form_values=FORM,
    )
    office_fee = next(line for line in request.fee_lines if line["code"] == "office_fee")
    assert office_fee["amount"] > 0
    assert request.fee_total_rials > 0


def test_a_student_without_records_is_refused_and_nothing_is_saved(service):
    nobody = User.objects.get(role=Role.CITIZEN, national_code=demo_national_code(3))
    assert not Student.objects.filter(national_code=nobody.national_code).exists()
    before = (ServiceRequest.objects.count(), OutboxMessage.objects.count())
    with pytest.raises(RequestError) as refused:
        file_online(service, nobody)
    assert refused.value.code == "no_records"
    assert "سوابق" in str(refused.value.message)
    assert (ServiceRequest.objects.count(), OutboxMessage.objects.count()) == before


def test_a_level_without_records_is_refused(service, student):
    with pytest.raises(RequestError) as refused:
        file_online(service, student, level="primary")
    assert refused.value.code == "no_records"


def test_a_parent_files_for_a_minor_child(service):
    parent = User.objects.get(role=Role.CITIZEN, national_code=PARENT)
    request = file_online(service, parent, student_national_code=MINOR, level="primary")
    assert request.citizen == parent
    assert certificates.student_for(parent, request.form_data).national_code == MINOR


def test_nobody_files_for_someone_elses_child_or_an_adult(service, student):
    with pytest.raises(RequestError) as not_theirs:
        file_online(service, student, student_national_code=MINOR, level="primary")
    assert not_theirs.value.code == "not_parent"
    parent = User.objects.get(role=Role.CITIZEN, national_code=PARENT)
    Student.objects.filter(national_code=MINOR).update(birth_date=dt.date(2000, 1, 1))
    with pytest.raises(RequestError) as adult:
        file_online(service, parent, student_national_code=MINOR, level="primary")
    assert adult.value.code == "not_parent"


def test_the_form_link_can_name_the_child(client, service):
    parent = User.objects.get(role=Role.CITIZEN, national_code=PARENT)
    client.force_login(parent)
    url = reverse("cases:portal_new_request", args=[service.code])
    html = client.get(url, {"student_national_code": MINOR}).content.decode()
    assert f'value="{to_persian_digits(MINOR)}"' in html  # shown in Persian digits


# --- the Assessment Center's steps ------------------------------------------------------------


def test_the_officer_checks_then_issues_and_the_certificate_holds_the_records(
    service, student, officer
):
    request = file_online(service, student)
    transition(request.pk, "start_check", officer)
    assert not Certificate.objects.filter(request=request).exists()
    transition(request.pk, "issue", officer)
    request.refresh_from_db()
    assert request.status == "issued" and request.decided_at is not None
    certificate = Certificate.objects.get(request=request)
    assert certificate.is_valid and certificate.issued_by == officer
    assert certificate.holder_national_code == STUDENT
    assert certificate.holder_name == "زهرا احمدی"
    assert certificate.purpose == "university"
    assert certificate.recipient == "دانشگاه صنعتی شریف"
    data = certificate.data
    assert [row["year"] for row in data["records"]] == [1390, 1391]
    assert data["diploma_number"] == "D-1392-0045871"
    gpas = [row["gpa"] for row in data["records"]]
    assert gpas == ["17.69", "18.38"] and data["gpa"] == "18.04"
    assert OutboxMessage.objects.filter(subject_id=str(request.pk), event="issued").exists()


def test_a_reimport_never_changes_an_issued_certificate(service, student, officer):
    certificate = issued(service, student, officer)
    AcademicRecord.objects.filter(student__national_code=STUDENT).update(gpa="10.00")
    certificate.refresh_from_db()
    assert certificate.data["gpa"] == "18.04"


def test_records_gone_before_issue_refuse_the_step_and_leave_the_request(service, student, officer):
    request = file_online(service, student)
    transition(request.pk, "start_check", officer)
    AcademicRecord.objects.filter(student__national_code=STUDENT).delete()
    with pytest.raises(RequestError) as refused:
        transition(request.pk, "issue", officer)
    assert refused.value.code == "no_records"
    request.refresh_from_db()
    assert request.status == "checking"
    assert not Certificate.objects.filter(request=request).exists()


def test_reject_and_revoke_need_a_reason(service, student, officer):
    request = file_online(service, student)
    transition(request.pk, "start_check", officer)
    with pytest.raises(RequestError) as no_reason:
        transition(request.pk, "reject", officer)
    assert no_reason.value.code == "comment_required"
    transition(request.pk, "issue", officer)
    with pytest.raises(RequestError):
        transition(request.pk, "revoke", officer)
    assert Certificate.objects.get(request=request).is_valid


def test_a_revocation_shows_at_once_on_the_verification_page(client, service, student, officer):
    certificate = issued(service, student, officer)
    url = reverse("payments:verify", args=[certificate.verification_code])
    assert "certificate-valid" in client.get(url).content.decode()
    transition(certificate.request_id, "revoke", officer, comment="نمرات اشتباه ثبت شده بود.")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revoked_by == officer
    assert certificate.revocation_reason == "نمرات اشتباه ثبت شده بود."
    html = client.get(url).content.decode()
    assert "certificate-revoked" in html and "certificate-valid" not in html


def test_the_citizen_cannot_issue_or_revoke(service, student, officer):
    request = file_online(service, student)
    transition(request.pk, "start_check", officer)
    with pytest.raises(RequestError) as refused:
        transition(request.pk, "issue", student)
    assert refused.value.code == "role"


def test_the_officer_sees_the_students_records_on_the_request(client, service, student, officer):
    request = file_online(service, student)
    client.force_login(officer)
    response = client.get(reverse("cases:agency_request", args=[request.tracking_code]))
    assert response.status_code == 200, response
    page = response.content.decode()
    assert "student-records-check" in page and "D-" in page
    assert "no-records" not in page


# --- the public page, the payload and the keys ------------------------------------------------


def test_the_verification_page_shows_only_what_a_verifier_needs(client, service, student, officer):
    certificate = issued(service, student, officer)
    response = client.get(reverse("payments:verify", args=[certificate.verification_code]))
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    html = response.content.decode()
    assert "زهرا احمدی" in html
    assert "******۰۰۱۸" in html  # masked, in Persian digits
    # Not the full national code, the birth date, the school or the grades.
    for private in (STUDENT, "۹۹۹۰۰۰۰۰۱۸", "تیر ۱۳۷۵", "دبیرستان فرزانگان", "۱۷٫۶۹", "۱۷.۶۹"):
        assert private not in html


def test_a_typed_code_finds_the_certificate_and_an_unknown_one_is_a_persian_404(
    client, service, student, officer
):
    certificate = issued(service, student, officer)
    code = certificate.verification_code
    typed = f"{code[:4].lower()}-{code[4:8]}-{code[8:12]}-{code[12:]}"
    assert "certificate-valid" in client.get(f"/verify/{typed}/").content.decode()
    missing = client.get("/verify/ZZZZZZZZZZZZZZZZ/")
    assert missing.status_code == 404
    assert "گواهی" in missing.content.decode()


def test_the_signed_token_verifies_with_only_the_published_key(client, service, student, officer):
    certificate = issued(service, student, officer)
    token = certificates.signed_token(certificate)
    keys = client.get("/verify/keys/")
    assert keys.status_code == 200 and keys["Content-Type"] == "application/json"
    jwk = json.loads(keys.content)["keys"][0]
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")
    raw = signing.b64url_decode(jwk["x"])
    payload = signing.verify_payload(token, raw)
    assert payload["c"] == certificate.verification_code
    assert payload["k"] == "academic"
    assert payload["n"] == "زهرا احمدی"
    assert payload["m"] == "******0018"
    assert payload["s"] == ["upper_secondary", 1390, 1391, "18.04", "D-1392-0045871"]
    assert payload["d"] == certificates.data_digest(certificate)
    assert signing.verify_payload(token, jwk["pem"]) == payload


def test_the_page_judges_the_token_in_the_url(client, service, student, officer):
    certificate = issued(service, student, officer)
    url = reverse("payments:verify", args=[certificate.verification_code])
    good = certificates.signed_token(certificate)
    assert "signature-valid" in client.get(url, {"s": good}).content.decode()
    _body, signature = good.split(".")
    forged = signing.b64url_encode(b'{"c":"X"}') + "." + signature
    assert "signature-invalid" in client.get(url, {"s": forged}).content.decode()
    other = issued(service, student, officer)
    wrong = certificates.signed_token(other)
    assert "signature-mismatch" in client.get(url, {"s": wrong}).content.decode()


def test_the_qr_code_opens_the_verification_page_with_the_token(rf, service, student, officer):
    certificate = issued(service, student, officer)
    printed = certificates.printed(rf.get("/", HTTP_HOST="testserver"), certificate)
    url = urlsplit(printed.verify_url)
    assert url.netloc == "testserver"
    assert url.path == f"/verify/{certificate.verification_code}/"
    assert parse_qs(url.query)["s"] == [printed.token]


# --- who may see a certificate ----------------------------------------------------------------


def test_only_who_may_see_the_request_gets_the_certificate(client, service, student, officer):
    certificate = issued(service, student, officer)
    tc = certificate.request.tracking_code
    for name in ("education:certificate", "education:certificate_pdf"):
        url = reverse(name, args=[tc])
        assert client.get(url).status_code == 302  # to the citizens' sign-in
        client.force_login(User.objects.get(role=Role.CITIZEN, national_code=PARENT))
        assert client.get(url).status_code == 404
        client.force_login(student)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        client.logout()
    no_certificate = file_online(service, student)
    client.force_login(student)
    url = reverse("education:certificate", args=[no_certificate.tracking_code])
    assert client.get(url).status_code == 404


def test_the_certificate_page_names_the_sites_icon(client, service, student, officer):
    # Without one the browser asks for /favicon.ico, a 404 in its console on every certificate
    # shown (the product walk of 2026-12-02): the page is its own document, not base.html's.
    certificate = issued(service, student, officer)
    client.force_login(student)
    url = reverse("education:certificate", args=[certificate.request.tracking_code])
    response = client.get(url)
    head = response.content.decode().split("</head>")[0]
    assert re.search(r'<link rel="icon" href="[^"]*favicon[^"]*\.svg"', head), head


def test_the_certificate_page_leads_back_to_the_request(client, service, student, officer):
    # As the receipt does: the holder opened it from the request's page (the product walk).
    certificate = issued(service, student, officer)
    tracking_code = certificate.request.tracking_code
    client.force_login(student)
    html = client.get(reverse("education:certificate", args=[tracking_code])).content.decode()
    back = reverse("cases:portal_request", args=[tracking_code])
    assert f'<a class="back-link" href="{back}">' in html


# --- the teacher's employment certificate -----------------------------------------------------


def teacher_user() -> User:
    return User.objects.get(role=Role.CITIZEN, national_code=TEACHER)


def test_a_serving_teacher_gets_an_employment_certificate_at_once_free():
    service = Service.objects.get(code=certificates.EMPLOYMENT_SERVICE)
    teacher = teacher_user()
    request, _ = submit(
        service=service,
        citizen=teacher,
        channel=Channel.ONLINE,
        actor=teacher,
        form_values={"purpose": "embassy", "recipient_name": "سفارت ایتالیا", "language": "fa"},
    )
    assert request.status == "issued" and request.fee_total_rials == 0
    certificate = Certificate.objects.get(request=request)
    assert certificate.kind == "employment" and certificate.issued_by is None
    assert certificate.data["personnel_code"] == "84512037"
    assert certificate.data["post"] == "دبیر ریاضی"
    payload = signing.verify_payload(
        certificates.signed_token(certificate), signing.public_key_raw()
    )
    assert payload["k"] == "employment"


def test_someone_not_in_service_gets_no_employment_certificate():
    service = Service.objects.get(code=certificates.EMPLOYMENT_SERVICE)
    student = User.objects.get(role=Role.CITIZEN, national_code=STUDENT)
    form = {"purpose": "other", "recipient_name": "بانک", "language": "fa"}
    before = ServiceRequest.objects.count()
    with pytest.raises(RequestError) as refused:
        submit(
            service=service,
            citizen=student,
            channel=Channel.ONLINE,
            actor=student,
            form_values=form,
        )
    assert refused.value.code == "not_teacher"
    Teacher.objects.filter(national_code=TEACHER).update(
        left_on=timezone.localdate() - dt.timedelta(days=1)
    )
    teacher = teacher_user()
    with pytest.raises(RequestError):
        submit(
            service=service,
            citizen=teacher,
            channel=Channel.ONLINE,
            actor=teacher,
            form_values=form,
        )
    assert ServiceRequest.objects.count() == before


# --- the portal -------------------------------------------------------------------------------


def test_the_portal_shows_the_students_records_and_certificates(client, student):
    client.force_login(student)
    html = client.get(reverse("cases:portal_home")).content.decode()
    assert "student-records" in html and "ریاضی و فیزیک" in html
    assert "my-certificates" in html  # the demo's issued verification
    assert "teacher-record" not in html


def test_the_portal_shows_a_parent_their_minor_childs_records(client):
    client.force_login(User.objects.get(role=Role.CITIZEN, national_code=PARENT))
    html = client.get(reverse("cases:portal_home")).content.decode()
    assert f'data-student="{MINOR}"' in html
    assert f"student_national_code={MINOR}" in html


def test_the_portal_shows_the_teachers_employment_record(client):
    IdentityRecord.objects.get(national_code=TEACHER)  # the demo put them in the registry
    teacher = citizen_for(TEACHER, "09121000201")
    client.force_login(teacher)
    html = client.get(reverse("cases:portal_home")).content.decode()
    assert "teacher-record" in html and "۸۴۵۱۲۰۳۷" in html
    assert reverse("cases:portal_new_request", args=[certificates.EMPLOYMENT_SERVICE]) in html


def test_the_portal_form_says_why_a_citizen_without_records_is_refused(client, service):
    nobody = User.objects.get(role=Role.CITIZEN, national_code=demo_national_code(3))
    client.force_login(nobody)
    before = ServiceRequest.objects.count()
    response = client.post(
        reverse("cases:portal_new_request", args=[service.code]),
        {
            "idempotency_key": "no-records-1",
            "field_level": "upper_secondary",
            "field_final_year": "1392",
            "field_purpose": "university",
            "field_recipient_name": "دانشگاه تهران",
        },
    )
    assert response.status_code == 200  # the form again, with the reason
    html = response.content.decode()
    assert "سوابق تحصیلی‌ای برای این کد ملی ندارد" in html
    assert ServiceRequest.objects.count() == before


def test_codes_on_the_certificate_sit_beside_their_labels(client, service, student, officer):
    """Left-to-right digits inside the right-to-left cell, not a left-to-right cell: a ``dir``
    on the cell itself sent the national code and the tracking code to the far left."""
    certificate = issued(service, student, officer)
    client.force_login(student)
    html = client.get(
        reverse("education:certificate", args=[certificate.request.tracking_code])
    ).content.decode()
    assert '<td><span dir="ltr" class="holder-code">' in html
    assert '<td><span dir="ltr" class="request-code">' in html
    assert '<td dir="ltr"' not in html


def test_the_employment_certificate_is_printed_in_the_language_asked(client):
    """Asked in English (for an embassy): English for whoever opens it, a Persian reader too."""
    service = Service.objects.get(code=certificates.EMPLOYMENT_SERVICE)
    teacher = teacher_user()
    request, _ = submit(
        service=service,
        citizen=teacher,
        channel=Channel.ONLINE,
        actor=teacher,
        form_values={"purpose": "embassy", "recipient_name": "Embassy of Italy", "language": "en"},
    )
    client.force_login(teacher)
    page = client.get(
        reverse("education:certificate", args=[request.tracking_code]),
        HTTP_ACCEPT_LANGUAGE="fa",
    ).content.decode()
    assert '<html lang="en" dir="ltr">' in page and "Employment certificate" in page
    pdf = client.get(reverse("education:certificate_pdf", args=[request.tracking_code]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    # Asked in Persian: Persian, whatever the reader's language.
    Certificate.objects.filter(request=request).update(
        data={**Certificate.objects.get(request=request).data, "language": "fa"}
    )
    client.cookies["pishkhan_language"] = "en"
    page = client.get(reverse("education:certificate", args=[request.tracking_code])).content
    assert '<html lang="fa" dir="rtl">' in page.decode()
