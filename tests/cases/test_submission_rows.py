"""A submission's rows after the request go in one statement on PostgreSQL
(``core.rows``, decision 31): the same rows the ORM writes, one by one, elsewhere
and with the batching switched off."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.cases.models import Attachment, ServiceRequest
from pishkhan.cases.selectors import citizen_and_offering
from pishkhan.catalog.models import Channel, Service
from pishkhan.core import rows as submission_rows
from pishkhan.core.audit import verify
from pishkhan.core.models import AuditEvent
from pishkhan.insights.models import PendingChange
from pishkhan.notify.models import OutboxMessage
from pishkhan.offices.models import OfficeService
from pishkhan.payments.models import Invoice

pytestmark = pytest.mark.django_db

# What differs between two submissions of the same form by construction: ids, unique values,
# times and the stored file's name.
VARYING = {
    "id",
    "request_id",
    "subject_id",
    "tracking_code",
    "idempotency_key",
    "hash",
    "verification_code",
    "file",
    "submitted_at",
    "updated_at",
    "uploaded_at",
    "created_at",
    "at",
    "body",
    "data",
}


def rows_of(request: ServiceRequest) -> dict[str, list[dict]]:
    def clean(rows):
        return [{k: v for k, v in row.items() if k not in VARYING} for row in rows]

    subject = {"subject_type": "service_request", "subject_id": str(request.pk)}
    return {
        "request": clean(ServiceRequest.objects.filter(pk=request.pk).values()),
        "attachment": clean(Attachment.objects.filter(request=request).values()),
        "event": clean(AuditEvent.objects.filter(**subject).values()),
        "invoice": clean(Invoice.objects.filter(request=request).values()),
        "pending": clean(PendingChange.objects.filter(request_id=request.pk).values()),
        "outbox": clean(OutboxMessage.objects.filter(**subject).values()),
    }


def test_the_rows_are_those_the_orm_writes(file_request, monkeypatch):
    batched, _ = file_request(idempotency_key="rows-batched")
    monkeypatch.setattr(submission_rows, "_insertable", lambda model: False)  # every row by the ORM
    one_by_one, _ = file_request(idempotency_key="rows-orm")
    assert rows_of(batched) == rows_of(one_by_one)
    rows = rows_of(batched)
    assert len(rows["attachment"]) == batched.service.documents.filter(is_mandatory=True).count()
    for table in ("request", "event", "invoice", "pending", "outbox"):
        assert len(rows[table]) == 1, table
    # Same data, times and tracking code in the audit event and the SMS as the request has.
    event = AuditEvent.objects.get(subject_id=str(batched.pk))
    assert event.data["tracking_code"] == batched.tracking_code
    assert batched.tracking_code in OutboxMessage.objects.get(subject_id=str(batched.pk)).body
    assert verify().ok


def test_on_postgresql_the_rows_after_the_request_are_one_statement(file_request):
    if connection.vendor != "postgresql":
        pytest.skip("data-modifying CTEs are PostgreSQL's; elsewhere one insert per row")
    with CaptureQueriesContext(connection) as capture:
        request, _ = file_request(idempotency_key="rows-one-statement")
    writes = [q["sql"] for q in capture.captured_queries if re.match(r"\s*(INSERT|WITH)", q["sql"])]
    assert len(writes) == 2
    assert writes[0].startswith('INSERT INTO "cases_servicerequest"')
    documents = request.service.documents.filter(is_mandatory=True).count()
    assert re.findall(r'INSERT INTO "(\w+)"', writes[1]) == [
        *["cases_attachment"] * documents,
        "core_auditevent",
        "payments_invoice",
        "insights_pendingchange",
        "notify_outboxmessage",
    ]
    assert Invoice.objects.get(request=request).pk is not None


def test_the_values_sent_are_those_the_orm_would_send(file_request):
    """core.rows sends a text, number or yes/no value as it is when it already is one (the
    ORM's preparation would leave it so); a choice as its plain text; anything else through the
    field's own preparation."""
    request, _ = file_request(idempotency_key="rows-values")
    request.channel = Channel.OFFICE  # a TextChoices member, as a submission sets it
    # A number in a text column: the field's own preparation makes it text.
    message = OutboxMessage(recipient="09120000000", body="probe", subject_id=request.pk)
    rows = [
        request,
        message,
        *Attachment.objects.filter(request=request),
        AuditEvent.objects.filter(subject_id=str(request.pk)).first(),
        Invoice.objects.get(request=request),
    ]
    checked = 0
    for obj in rows:
        shape, _ = submission_rows._insert_shape(type(obj))
        _, sent = submission_rows._insert_sql(obj)
        for (field, kind), value in zip(shape, sent, strict=True):
            if kind is submission_rows._ORM:
                continue
            checked += 1
            expected = field.get_db_prep_save(field.pre_save(obj, True), connection)
            assert value == expected and type(value) in (type(None), str, int, bool), field
    assert checked > 40
    assert type(sent_value(request, "channel")) is str
    assert sent_value(request, "channel") == "office"
    assert sent_value(message, "subject_id") == str(request.pk)


def sent_value(obj, name):
    shape, _ = submission_rows._insert_shape(type(obj))
    names = [field.name for field, _ in shape]
    return submission_rows._insert_sql(obj)[1][names.index(name)]


def test_a_statement_meanwhile_sees_the_kept_rows(file_request):
    request, _ = file_request(idempotency_key="rows-read")
    with transaction.atomic(), submission_rows.rows_together():
        message = OutboxMessage(recipient="09120000000", body="kept-row-probe", event="probe")
        submission_rows.insert_row(message)
        # Any other statement writes the kept rows first, so nothing reads around them.
        assert OutboxMessage.objects.filter(body="kept-row-probe").exists()
        assert message.pk is not None
        submission_rows.insert_row(OutboxMessage(recipient="09120000000", body="kept-row-2"))
    assert OutboxMessage.objects.filter(body="kept-row-2").count() == 1
    assert request.pk


def test_a_refused_row_rolls_the_submission_back(file_request, monkeypatch):
    before = ServiceRequest.objects.count(), OutboxMessage.objects.count()
    taken = Invoice.objects.values_list("verification_code", flat=True).first()
    if taken is None:
        file_request(idempotency_key="rows-first")
        before = ServiceRequest.objects.count(), OutboxMessage.objects.count()
        taken = Invoice.objects.values_list("verification_code", flat=True).first()
    # Every invoice made gets a code already taken: the unique constraint refuses the rows after
    # the request, three attempts in a row, and nothing of the submission stays.
    field = Invoice._meta.get_field("verification_code")
    monkeypatch.setattr(field, "_get_default", lambda: taken)
    with pytest.raises(Exception):  # noqa: B017 (IntegrityError through the retries)
        file_request(idempotency_key="rows-refused")
    assert (ServiceRequest.objects.count(), OutboxMessage.objects.count()) == before
    assert not ServiceRequest.objects.filter(idempotency_key="rows-refused").exists()


def test_citizen_and_offering_in_one_query(citizen, office, service, django_assert_num_queries):
    offering = OfficeService.objects.select_related("office").get(office=office, service=service)
    with django_assert_num_queries(1):
        found_citizen, found_offering = citizen_and_offering(citizen.pk, office.pk, service.pk)
    assert found_citizen == citizen and found_offering == offering
    for field in User._meta.concrete_fields:
        assert getattr(found_citizen, field.attname) == getattr(citizen, field.attname)
    for field in OfficeService._meta.concrete_fields:
        assert getattr(found_offering, field.attname) == getattr(offering, field.attname)
    with django_assert_num_queries(0):
        assert found_offering.office == offering.office
        assert found_offering.office.can_file_requests == offering.office.can_file_requests
    # Not a citizen, or not offered here: nothing.
    operator = User.objects.get(username="operator-1001")
    assert citizen_and_offering(operator.pk, office.pk, service.pk) == (None, None)
    here = OfficeService.objects.filter(office=office).values_list("service_id", flat=True)
    not_here = Service.objects.exclude(pk__in=list(here)).values_list("pk", flat=True).first()
    assert not_here is not None
    assert citizen_and_offering(citizen.pk, office.pk, not_here) == (citizen, None)
    assert citizen_and_offering("12", office.pk, service.pk) == (None, None)


def test_the_counter_page_answers_404_for_a_service_the_office_does_not_offer(client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    client.force_login(User.objects.get(username="operator-1001"))
    response = client.post(
        reverse("cases:office_identify"), {"national_code": "9990000115", "mobile": "09121000011"}
    )
    token = response["Location"].rstrip("/").split("/")[-1]
    office_id = User.objects.get(username="operator-1001").office_id
    offered = set(
        OfficeService.objects.filter(office_id=office_id).values_list("service__code", flat=True)
    )
    elsewhere = Service.objects.exclude(code__in=offered).filter(is_active=True).first()
    if elsewhere is not None:
        url = reverse("cases:office_new_request", args=[token, elsewhere.code])
        assert client.get(url).status_code == 404
    missing = reverse("cases:office_new_request", args=[token, "no-such-service"])
    assert client.get(missing).status_code == 404
