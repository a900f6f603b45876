"""Licensing pages: who sees what, and the forms' messages."""

import re

import pytest
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.core.jalali import format_jalali_numeric
from pishkhan.licensing.models import CountyCapacity, LicenceApplication
from pishkhan.offices.models import Office, OfficeStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_otp(settings):
    settings.PISHKHAN_STAFF_OTP = False


def as_user(client, username):
    client.force_login(User.objects.get(username=username))


def test_applicant_applies_with_clear_errors(client):
    as_user(client, "9990000018")
    response = client.post(
        reverse("licensing:apply"),
        {
            "office_name": "x",
            "kind": "urban",
            "operator_kind": "company",
            "postal_code": "12",
            "legal_entity_id": "10199345670",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "کد پستی ۱۰ رقم دارد." in html and "شناسه ملی" in html
    assert "این فیلد لازم است" in html  # the manager's national card
    assert not LicenceApplication.objects.filter(office_name="x").exists()


def test_scoping_of_applications(client):
    item = LicenceApplication.objects.get(office_name="دفتر پیشخوان دولت ری")
    url = reverse("licensing:application", args=[item.pk])
    for username, code in [
        ("ict-tehran", 200),
        ("regulator", 200),
        ("9990000018", 200),
        ("9990000026", 404),
        ("operator-1001", 404),
        ("officer-nocr-tehran", 404),
    ]:
        as_user(client, username)
        assert client.get(url).status_code == code, username


def test_ict_records_the_visit_from_the_page(client):
    item = LicenceApplication.objects.get(office_name="دفتر پیشخوان دولت ری")
    as_user(client, "ict-tehran")
    url = reverse("licensing:application", args=[item.pk])
    client.post(url, {"action": "record_visit", "version": item.version, "comment": ""})
    item.refresh_from_db()
    assert item.status == "provincial_review"
    client.post(url, {"action": "record_visit", "version": item.version, "comment": "بازدید شد"})
    item.refresh_from_db()
    assert item.status == "site_visited"


def test_capacity_page_and_decision(client):
    as_user(client, "workgroup-tehran")
    url = reverse("licensing:capacity", args=["23"])
    html = client.get(url).content.decode()
    assert "ظرفیت" in html and "capacity-form" in html
    county = CountyCapacity.objects.filter(county__sci_code="2309").first().county
    from django.utils import timezone

    response = client.post(
        url,
        {
            "county": county.pk,
            "capacity": "۵",
            "note": "مصوبه جلسه ۳",
            "effective_from": format_jalali_numeric(timezone.localdate()),
        },
    )
    assert response.status_code == 302
    assert CountyCapacity.objects.filter(county=county, capacity=5).exists()
    assert client.get(reverse("licensing:capacity", args=["10"])).status_code == 404  # Isfahan
    as_user(client, "supervisor-tehran")
    assert "capacity-form" not in client.get(url).content.decode()
    assert client.post(url, {"county": county.pk, "capacity": 9}).status_code == 404


def test_regulator_suspends_and_the_operator_sees_why(client):
    office = Office.objects.get(licence_number="23-1001")
    as_user(client, "regulator")
    url = reverse("licensing:office", args=[office.licence_number])
    client.post(url, {"do": "suspend", "s-reason": "اضافه‌دریافت", "s-until": "۱۴۰۰/۰۱/۰۱"})
    office.refresh_from_db()
    assert office.status == OfficeStatus.ACTIVE  # a past date is refused
    import datetime as dt

    from django.utils import timezone

    until = format_jalali_numeric(timezone.localdate() + dt.timedelta(days=7))
    client.post(url, {"do": "suspend", "s-reason": "اضافه‌دریافت", "s-until": until})
    office.refresh_from_db()
    assert office.status == OfficeStatus.SUSPENDED
    as_user(client, "operator-1001")
    html = client.get(reverse("cases:office_home")).content.decode()
    assert "office-blocked" in html and "اضافه‌دریافت" in html
    assert client.get(reverse("licensing:queue")).status_code == 404


def test_a_wrong_capacity_decision_names_the_county_and_fields_and_keeps_what_was_typed(client):
    as_user(client, "workgroup-tehran")
    url = reverse("licensing:capacity", args=["23"])
    county = CountyCapacity.objects.filter(county__sci_code="2309").first().county
    before = CountyCapacity.objects.count()
    response = client.post(
        url, {"county": county.pk, "capacity": "-5", "effective_from": "1405/13/40", "note": ""}
    )
    assert response.status_code == 200 and CountyCapacity.objects.count() == before
    html = response.content.decode()
    # The error summary names the county and each wrong field, and links to the row's inputs.
    summary = html.split('class="alert alert-danger error-summary"')[1].split("</div>")[0]
    links = dict(re.findall(r'<a class="alert-link" href="#([^"]+)">([^<]*)</a>', summary))
    assert set(links) == {
        f"cap-{county.pk}-{name}" for name in ("capacity", "effective_from", "note")
    }
    assert links[f"cap-{county.pk}-capacity"].startswith(f"{county.name_fa} — ظرفیت:")
    assert links[f"cap-{county.pk}-note"].startswith(f"{county.name_fa} — شرح مصوبه:")
    assert not re.search(r"[0-9]", "".join(links.values()))  # Persian digits, as the page
    assert "<title>خطا: " in html
    row = html.split(f'data-county="{county.pk}"')[1].split("</tr>")[0]
    assert 'value="-۵"' in row and 'value="۱۴۰۵/۱۳/۴۰"' in row  # as typed, in Persian digits
    assert row.count('aria-invalid="true"') == 3
    # Each wrong input says why: described by its own error, which is in the row.
    for name in ("capacity", "effective_from", "note"):
        field = re.search(rf'<input[^>]*id="cap-{county.pk}-{name}"[^>]*>', row).group(0)
        described = re.search(r'aria-describedby="([^"]+)"', field).group(1).split()
        assert f"cap-{county.pk}-{name}_error" in described
        assert f'id="cap-{county.pk}-{name}_error"' in row
    assert re.search(rf'id="cap-{county.pk}-capacity_error">[^<]*[۰-۹]', row)


def test_the_capacity_form_names_its_county_and_lets_the_server_answer(client):
    as_user(client, "workgroup-tehran")
    html = client.get(reverse("licensing:capacity", args=["23"])).content.decode()
    county = CountyCapacity.objects.filter(county__sci_code="2309").first().county
    row = html.split(f'data-county="{county.pk}"')[1].split("</tr>")[0]
    # Its labels and button say which county (a screen reader's list of controls).
    for label in ("ظرفیت", "اجرا از تاریخ، برای", "شرح مصوبه برای"):
        assert re.search(
            rf'<label class="visually-hidden" for="cap-{county.pk}-[a-z_]+">'
            rf"{label} {county.name_fa}?",
            row,
        ), label
    assert re.search(
        rf'<button[^>]*>ثبت<span class="visually-hidden"> — {county.name_fa}</span>', row
    )
    # The server's Persian errors answer, not the browser's bubble in the browser's language.
    assert re.search(r'<form method="post" novalidate class="[^"]*capacity-form', row)
    # The date's format is a hint that stays, tied to the input.
    date = re.search(rf'<input[^>]*id="cap-{county.pk}-effective_from"[^>]*>', row).group(0)
    assert 'aria-describedby="capacity-date-hint"' in date
    assert re.search(r'<p class="form-text" id="capacity-date-hint">[^<]*سال/ماه/روز', html)
    labels = re.findall(
        r'<label class="visually-hidden" for="cap-\d+-capacity">([^<]*)</label>', html
    )
    assert len(labels) > 1 and len(set(labels)) == len(labels)


def test_a_full_county_says_why_in_words_not_in_a_tooltip(client):
    from pishkhan.licensing.models import CountyCapacity as Capacity

    as_user(client, "workgroup-tehran")
    county = Capacity.objects.filter(county__sci_code="2309").first().county
    Capacity.objects.filter(county=county).update(capacity=0)
    html = client.get(reverse("licensing:capacity", args=["23"])).content.decode()
    row = html.split(f'data-county="{county.pk}"')[1].split("</tr>")[0]
    assert "text-bg-danger" in row and "title=" not in row
    assert re.search(r'<span class="visually-hidden">: [^<]*پروانه تازه‌ای صادر نمی‌شود', row)


def test_the_application_page_title_names_the_platform(client):
    item = LicenceApplication.objects.get(office_name="دفتر پیشخوان دولت ری")
    as_user(client, "ict-tehran")
    html = client.get(reverse("licensing:application", args=[item.pk])).content.decode()
    title = re.search(r"<title>([^<]*)</title>", html).group(1)
    assert title == "دفتر پیشخوان دولت ری — درخواست پروانه — پیشخوان", title


@pytest.fixture
def filed_with_documents(document_storage):
    """An application filed with the manager's card and a registration notice valid a year, in
    each kind of document storage in turn (the filesystem, in memory, S3)."""
    import datetime as dt

    from django.utils import timezone

    from pishkhan.licensing import services
    from tests.cases.conftest import DEMO_PDF, checked, pdf
    from tests.licensing.test_licensing import application_fields

    valid_until = timezone.localdate() + dt.timedelta(days=365)
    application = services.apply(
        User.objects.get(username="9990000018"),
        documents=[
            ("کارت ملی مدیر", checked(pdf("card.pdf")), None),
            ("آگهی ثبت شرکت", checked(pdf("registration.pdf")), valid_until),
        ],
        **application_fields(),
    )
    return application, valid_until, DEMO_PDF


def test_reviewers_see_the_managers_identity_and_open_the_documents(client, filed_with_documents):
    from pishkhan.core.jalali import format_jalali_date
    from pishkhan.core.text import to_persian_digits

    application, valid_until, content = filed_with_documents
    card, registration = application.documents.order_by("pk")
    page = reverse("licensing:application", args=[application.pk])
    for username in ("ict-tehran", "regulator", "9990000018"):
        as_user(client, username)
        html = client.get(page).content.decode()
        for figure in ("9990000018", "09121000001", "3351612345", "02165000000"):
            assert to_persian_digits(figure) in html, (username, figure)
        for document in (card, registration):
            url = reverse("licensing:application_document", args=[application.pk, document.pk])
            assert f'href="{url}"' in html and document.title in html
            response = client.get(url)
            assert response.status_code == 200, username
            assert response["Content-Type"] == "application/pdf"
            assert b"".join(response.streaming_content) == content
        assert format_jalali_date(valid_until) in html  # the registration notice's validity
    # Outside the application's scope (another citizen, a counter operator): 404, page and files.
    url = reverse("licensing:application_document", args=[application.pk, card.pk])
    for username in ("9990000026", "operator-1001", "officer-nocr-tehran"):
        as_user(client, username)
        assert client.get(page).status_code == 404, username
        assert client.get(url).status_code == 404, username
    # A document is reached only through its own application.
    other = LicenceApplication.objects.get(office_name="دفتر پیشخوان دولت ری")
    as_user(client, "regulator")
    wrong = reverse("licensing:application_document", args=[other.pk, card.pk])
    assert client.get(wrong).status_code == 404


def test_a_large_document_is_streamed_in_chunks(client, filed_with_documents, body_spy):
    """Decision 64: an application's document is sent in bounded chunks straight from the
    store (from S3: never the whole object in memory first), with its type and name."""
    from tests.conftest import assert_streamed, store_large

    application, _valid_until, _content = filed_with_documents
    card = application.documents.order_by("pk").first()
    content = store_large(card.file)
    as_user(client, "ict-tehran")
    response = client.get(reverse("licensing:application_document", args=[application.pk, card.pk]))
    assert response["Content-Type"] == card.content_type == "application/pdf"
    assert card.file.name.rsplit("/", 1)[-1] in response["Content-Disposition"]
    assert_streamed(response, content, body_spy)


def test_a_document_whose_file_is_gone_is_not_found_not_an_error(client, filed_with_documents):
    application, _valid_until, _content = filed_with_documents
    card = application.documents.order_by("pk").first()
    card.file.storage.delete(card.file.name)
    as_user(client, "ict-tehran")
    url = reverse("licensing:application_document", args=[application.pk, card.pk])
    assert client.get(url).status_code == 404


def test_the_admin_lists_applications_and_their_documents_read_only(client, filed_with_documents):
    application, _valid_until, _content = filed_with_documents
    card = application.documents.order_by("pk").first()
    as_user(client, "admin")
    change = client.get(reverse("admin:licensing_licenceapplication_change", args=[application.pk]))
    html = change.content.decode()
    assert change.status_code == 200
    assert reverse("licensing:application_document", args=[application.pk, card.pk]) in html
    assert client.get(reverse("admin:licensing_licenceapplication_add")).status_code == 403
    assert client.get(reverse("admin:licensing_licence_changelist")).status_code == 200
    delete = reverse("admin:licensing_licenceapplication_delete", args=[application.pk])
    assert client.post(delete).status_code == 403
    assert LicenceApplication.objects.filter(pk=application.pk).exists()


def test_renewal_is_offered_only_within_its_window_and_asks_first(client):
    import datetime as dt

    from django.utils import timezone

    from pishkhan.core.jalali import format_jalali_date
    from pishkhan.licensing import services
    from pishkhan.licensing.models import Licence

    office = Office.objects.get(licence_number="23-1002")
    licence = services.current_licence(office)  # the demo's: three years left
    url = reverse("licensing:office", args=[office.licence_number])
    as_user(client, "regulator")
    html = client.get(url).content.decode()
    assert 'value="renew"' not in html and "renewal-closed" in html
    opens = format_jalali_date(services.renewal_terms(licence).opens_on)
    assert f"تمدید از {opens}" in html
    response = client.post(url, {"do": "renew"}, follow=True)
    assert "شش ماه پیش از پایان اعتبار" in response.content.decode()
    assert Licence.objects.filter(office=office).count() == 1
    # Within six months of its end: offered, with the new expiry in the confirmation.
    licence.expires_on = timezone.localdate() + dt.timedelta(days=60)
    licence.save(update_fields=["expires_on"])
    new_expiry = format_jalali_date(licence.expires_on.replace(year=licence.expires_on.year + 5))
    html = client.get(url).content.decode()
    button = re.search(r'<button[^>]*value="renew"[^>]*>', html).group(0)
    assert (
        f'data-confirm="پروانه تا {new_expiry} تمدید شود؟ این کار برگشت‌پذیر نیست."' in button
    )  # asked once
    html = client.post(url, {"do": "renew"}, follow=True).content.decode()
    assert Licence.objects.filter(office=office).count() == 2
    history = html.split("<ol", 1)[1]
    assert f'تمدید پروانه <span class="small">(معتبر تا {new_expiry})</span>' in history
    assert 'value="renew"' not in html  # a second renewal is not offered the same day


def test_revoking_a_licence_and_refusing_an_application_ask_first(client):
    as_user(client, "regulator")
    office = Office.objects.filter(status=OfficeStatus.ACTIVE).first()
    html = client.get(reverse("licensing:office", args=[office.licence_number])).content.decode()
    revoke = re.search(r'<button[^>]*value="revoke"[^>]*>', html).group(0)
    assert 'data-confirm="«لغو پروانه» برگشت‌پذیر نیست. انجام شود؟"' in revoke
    # Not asked while the reason it needs is empty (static/js/pishkhan.js reads this field).
    assert 'data-needs-comment="r-reason"' in revoke and 'name="r-reason"' in html
    item = LicenceApplication.objects.exclude(status__in=("approved", "rejected")).first()
    html = client.get(reverse("licensing:application", args=[item.pk])).content.decode()
    reject = re.search(r'<button[^>]*value="reject"[^>]*>', html).group(0)
    assert "data-confirm=" in reject and "برگشت‌پذیر نیست" in reject
    assert "data-needs-comment" in reject
    assert re.search(r'<textarea[^>]*id="id_comment"[^>]*dir="auto"', html)
