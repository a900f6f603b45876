"""Who has seen my data (decision 42): every opening of a citizen's request, document or identity
by someone else is noted, once per quarter hour, and the citizen reads the list in the portal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.cases.data_access import WINDOW
from pishkhan.cases.models import DataAccess
from tests.api.test_agency import create
from tests.conftest import assert_streamed, store_large

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.PISHKHAN_STAFF_OTP = False
    cache.clear()


def opened(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def test_an_officer_opening_a_request_is_noted_once_a_quarter_hour(
    client, file_request, officer, citizen
):
    request, _ = file_request()
    url = reverse("cases:agency_request", args=[request.tracking_code])
    opened(client, officer, url)
    opened(client, officer, url)  # a reload, or back from the queue
    access = DataAccess.objects.get()
    assert (access.citizen_id, access.request_id, access.kind, access.via) == (
        citizen.pk,
        request.pk,
        "request",
        "page",
    )
    assert (access.actor_id, access.actor_role) == (officer.pk, "agency_officer")
    assert (access.agency.code, access.province.sci_code, access.office) == ("nocr", "23", None)
    DataAccess.objects.update(at=access.at - WINDOW - dt.timedelta(seconds=1))
    opened(client, officer, url)
    assert DataAccess.objects.count() == 2


def test_the_citizen_opening_their_own_request_is_not_noted(client, file_request, citizen):
    request, _ = file_request()
    opened(client, citizen, reverse("cases:portal_request", args=[request.tracking_code]))
    assert not DataAccess.objects.exists()


@pytest.mark.usefixtures("document_storage")
def test_a_document_and_the_office_page_are_noted_with_the_office(
    client, file_request, operator, office, officer
):
    request, _ = file_request()
    attachment = request.attachments.first()
    opened(client, operator, reverse("cases:office_request", args=[request.tracking_code]))
    opened(
        client, officer, reverse("cases:attachment", args=[request.tracking_code, attachment.pk])
    )
    rows = {(a.actor_id, a.kind): a for a in DataAccess.objects.all()}
    assert set(rows) == {
        (operator.pk, "request"),
        (officer.pk, "request"),
        (officer.pk, "document"),
    }
    assert rows[operator.pk, "request"].office == office
    assert rows[operator.pk, "request"].agency is None


@pytest.mark.usefixtures("document_storage")
def test_a_document_whose_file_is_gone_is_not_found_and_not_noted(client, file_request, officer):
    """A row that outlived its file (lost from the bucket, a restore without the files) is a
    404 like any unknown document, never a server error, and nobody is noted as having seen it."""
    request, _ = file_request()
    attachment = request.attachments.first()
    attachment.file.storage.delete(attachment.file.name)
    client.force_login(officer)
    url = reverse("cases:attachment", args=[request.tracking_code, attachment.pk])
    assert client.get(url).status_code == 404
    assert not DataAccess.objects.filter(kind=DataAccess.Kind.DOCUMENT).exists()


@pytest.mark.usefixtures("document_storage")
def test_a_document_is_streamed_in_chunks_and_its_source_closed(
    client, file_request, officer, body_spy
):
    """Decision 64: a large scan reaches the officer in bounded chunks, straight from the
    store (from S3: the object's body, never the whole object in memory first), with its
    type and name, noted as read; a download the client leaves half-way still closes what it
    read from."""
    request, _ = file_request()
    attachment = request.attachments.first()
    content = store_large(attachment.file)
    url = reverse("cases:attachment", args=[request.tracking_code, attachment.pk])
    response = opened(client, officer, url)
    assert response["Content-Type"] == attachment.content_type
    assert attachment.original_name in response["Content-Disposition"]
    assert DataAccess.objects.filter(kind=DataAccess.Kind.DOCUMENT).count() == 1
    assert_streamed(response, content, body_spy)
    left = client.get(url)
    first = next(iter(left.streaming_content))
    assert first == content[: len(first)]
    assert len(body_spy.left_open()) == (1 if body_spy.s3 else 0)  # still being read
    left.close()  # the client went away after the first chunk
    if body_spy.s3:
        assert body_spy.spooled == 0
        assert len(body_spy.bodies_read()) == 2
        assert not body_spy.left_open()


def test_an_identity_inquiry_at_the_counter_is_noted_and_a_mismatch_is_not(client, operator):
    client.force_login(operator)
    identify = reverse("cases:office_identify")
    wrong = client.post(identify, {"national_code": "9990000115", "mobile": "09120000000"})
    assert wrong.status_code == 200 and not DataAccess.objects.exists()
    right = client.post(identify, {"national_code": "9990000115", "mobile": "09121000011"})
    assert right.status_code == 302
    access = DataAccess.objects.get()
    assert access.citizen.national_code == "9990000115"
    assert (access.kind, access.request, access.office.licence_number) == (
        "identity",
        None,
        "23-1001",
    )


def test_reads_through_the_api_are_noted_as_the_organisations_system(client, file_request):
    request, _ = file_request()
    token = create("NOCR Tehran back office", "--agency", "nocr", "--province", "23")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    base = f"/api/v1/agency/requests/{request.tracking_code}/"
    assert client.get(base).status_code == 200
    document = request.attachments.first()
    assert client.get(f"{base}documents/{document.pk}/").status_code == 200
    assert sorted(DataAccess.objects.values_list("kind", "via")) == [
        ("document", "api"),
        ("request", "api"),
    ]
    assert client.get("/api/v1/agency/requests/").status_code == 200  # a list shows no one's data
    assert DataAccess.objects.count() == 2


def test_the_citizen_sees_who_where_when_and_what_but_not_the_persons_name(
    client, file_request, officer, operator, citizen
):
    request, _ = file_request()
    opened(client, officer, reverse("cases:agency_request", args=[request.tracking_code]))
    opened(client, operator, reverse("cases:office_request", args=[request.tracking_code]))
    page = opened(client, citizen, reverse("cases:portal_data_access"))
    html = page.content.decode()
    assert "چه کسانی اطلاعات مرا دیده‌اند" in html
    assert "درخواست شما را باز کرد" in html
    assert "کارشناس دستگاه" in html and "اپراتور دفتر" in html
    assert "دفتر پیشخوان دولت ۱۰۰۱ تهران (ونک)" in html  # the office, in Persian digits
    assert "ثبت احوال" in html and "(تهران)" in html  # the agency and its province
    assert officer.last_name not in html and operator.last_name not in html
    assert request.service.name_fa in html
    # The office's opening can be complained about in one click; the complaint form opens.
    complain = reverse("feedback:complain", args=[request.tracking_code]) + "?kind=misconduct"
    assert complain in html
    assert client.get(complain).status_code == 200
    # The profile links here.
    assert (
        reverse("cases:portal_data_access")
        in opened(client, citizen, reverse("cases:portal_home")).content.decode()
    )


def test_the_list_is_the_citizens_own_and_costs_the_same_queries_however_long(
    client, file_request, officer, citizen
):
    other = User.objects.get(username="9990000026")
    opened(client, other, reverse("cases:portal_data_access"))
    request, _ = file_request()
    opened(client, officer, reverse("cases:agency_request", args=[request.tracking_code]))
    assert "هنوز کسی" in opened(client, other, reverse("cases:portal_data_access")).content.decode()
    client.force_login(citizen)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("cases:portal_data_access"))
    for _ in range(5):
        again, _ = file_request()
        DataAccess.objects.create(
            citizen=citizen,
            request=again,
            kind="request",
            actor=officer,
            actor_role="agency_officer",
            agency=officer.agency,
            province=officer.province,
            at=again.submitted_at,
        )
    with CaptureQueriesContext(connection) as six:
        response = client.get(reverse("cases:portal_data_access"))
    assert len(response.context["page"]) == 6
    assert len(six) == len(one)


def test_staff_and_strangers_do_not_get_the_page(client, officer):
    url = reverse("cases:portal_data_access")
    assert client.get(url)["Location"].startswith(reverse("cases:portal_login"))
    client.force_login(officer)
    assert client.get(url).status_code == 404


def test_the_national_administrator_reads_the_record_in_the_admin_and_no_one_edits_it(
    client, file_request, officer
):
    request, _ = file_request()
    opened(client, officer, reverse("cases:agency_request", args=[request.tracking_code]))
    access = DataAccess.objects.get()
    client.force_login(User.objects.get(username="admin"))
    listing = client.get(reverse("admin:cases_dataaccess_changelist"))
    assert listing.status_code == 200 and officer.username in listing.content.decode()
    assert client.get(reverse("admin:cases_dataaccess_add")).status_code == 403
    assert (
        client.post(reverse("admin:cases_dataaccess_delete", args=[access.pk])).status_code == 403
    )
    client.force_login(User.objects.get(username="agencyadmin-nocr"))
    assert client.get(reverse("admin:cases_dataaccess_changelist")).status_code == 403
