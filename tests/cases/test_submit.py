"""Filing a request: the checks, the fee snapshot, idempotency, and all-or-nothing."""

import pytest

from pishkhan.cases import services
from pishkhan.cases.demo import sample_values
from pishkhan.cases.models import Attachment, ServiceRequest
from pishkhan.cases.services import InvalidSubmission, RequestError
from pishkhan.catalog.models import Channel, Fee, FeeKind, Service
from pishkhan.core.audit import events_for
from pishkhan.core.identifiers import is_valid_tracking_code
from pishkhan.notify.models import OutboxMessage
from pishkhan.offices.models import Office, OfficeService, OfficeStatus
from tests.conftest import stored_files

from .conftest import uploads_for

pytestmark = pytest.mark.django_db


def counts():
    from pishkhan.core.models import AuditEvent

    return (
        ServiceRequest.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
        Attachment.objects.count(),
    )


def test_office_submission_snapshots_fees_and_records_everything(file_request, service, office):
    request, created = file_request(idempotency_key="k1")
    assert created and is_valid_tracking_code(request.tracking_code)
    assert request.status == "submitted" and request.province_id == office.province_id
    offering = OfficeService.objects.get(office=office, service=service)
    lines = {line["code"]: line["amount"] for line in request.fee_lines}
    assert lines == {
        "government": 300_000,
        "office_fee": offering.office_fee_rials,
        "vat": (offering.office_fee_rials * 10 + 50) // 100,
    }
    assert request.fee_total_rials == sum(lines.values())
    assert request.sla_due_on > request.submitted_at.date()
    assert [e.action for e in events_for("service_request", request.pk)] == ["submit"]
    assert OutboxMessage.objects.filter(subject_id=str(request.pk), event="submitted").count() == 1
    assert request.attachments.count() == service.documents.filter(is_mandatory=True).count()


def test_the_fee_snapshot_is_never_recomputed(file_request, service):
    request, _ = file_request()
    Fee.objects.filter(service=service, kind=FeeKind.GOVERNMENT).delete()
    request.refresh_from_db()
    assert request.fee_lines[0]["amount"] == 300_000


def test_office_fee_is_capped(file_request, service, office):
    cap = (
        Fee.objects.filter(service=service, kind=FeeKind.OFFICE_CAP)
        .latest("effective_from")
        .amount_rials
    )
    OfficeService.objects.filter(office=office, service=service).update(office_fee_rials=cap * 5)
    request, _ = file_request()
    assert {line["code"]: line["amount"] for line in request.fee_lines}["office_fee"] == cap


def test_online_request_has_no_office_fee(file_request, citizen):
    service = Service.objects.get(code="nocr-single-status-certificate")
    request, _ = file_request(
        service=service,
        channel=Channel.ONLINE,
        actor=citizen,
        office=None,
        form_values=sample_values(service, citizen),
        uploads=uploads_for(service),
    )
    assert [line["code"] for line in request.fee_lines] == ["government"]
    assert request.office is None and request.operator is None


def test_one_click_makes_exactly_one_request(file_request):
    first, created = file_request(idempotency_key="same-form")
    again, created_again = file_request(idempotency_key="same-form")
    assert created and not created_again and first.pk == again.pk
    assert ServiceRequest.objects.filter(idempotency_key="same-form").count() == 1


def test_a_reused_key_for_another_citizen_is_refused(file_request):
    from pishkhan.accounts.models import User

    file_request(idempotency_key="form-1")
    other = User.objects.get(username="9990000026")
    with pytest.raises(RequestError) as exc:
        file_request(idempotency_key="form-1", citizen=other)
    assert exc.value.code == "idempotency"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"office": "other"}, "not_office_staff"),
        ({"service": "moe-teacher-employment-certificate"}, "channel"),
        ({"not_offered": True}, "not_offered"),
        ({"suspended": True}, "office_inactive"),
        ({"citizen_is_staff": True}, "not_citizen"),
    ],
)
def test_refusals_save_nothing(file_request, office, service, operator, change, code):
    before = counts()
    arguments = {}
    if change.get("office"):
        arguments["office"] = Office.objects.get(licence_number="10-2001")
    if change.get("service"):
        arguments["service"] = Service.objects.get(code=change["service"])
        arguments["form_values"] = {}
    if change.get("not_offered"):
        OfficeService.objects.filter(office=office, service=service).delete()
    if change.get("suspended"):
        Office.objects.filter(pk=office.pk).update(status=OfficeStatus.SUSPENDED)
        office.refresh_from_db()
    if change.get("citizen_is_staff"):
        arguments["citizen"] = operator
    with pytest.raises(RequestError) as exc:
        file_request(**arguments)
    assert exc.value.code == code
    assert counts() == before


def test_form_data_that_breaks_the_schema_is_refused_field_by_field(file_request, service):
    before = counts()
    choice = service.fields.filter(kind="choice").first()
    with pytest.raises(InvalidSubmission) as exc:
        file_request(form_values={choice.key: "not-a-choice", "unknown_field": "x"})
    assert choice.key in exc.value.errors and "__all__" in exc.value.errors
    assert counts() == before


def test_missing_mandatory_documents_are_refused(file_request):
    before = counts()
    with pytest.raises(InvalidSubmission) as exc:
        file_request(uploads=[])
    assert "documents" in exc.value.errors
    assert counts() == before


@pytest.mark.usefixtures("document_storage")
def test_a_failure_inside_the_transaction_leaves_nothing(file_request, monkeypatch):
    import pishkhan.cases.services as services

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "enqueue_sms", broken)
    before = counts()
    with pytest.raises(RuntimeError):
        file_request()
    assert counts() == before
    assert not stored_files(), "uploaded files were left behind"


@pytest.mark.usefixtures("document_storage")
def test_a_repeated_form_files_once_and_leaves_no_second_document(file_request):
    first, _ = file_request(idempotency_key="twice")
    on_disk = stored_files()
    assert len(on_disk) == first.attachments.count() > 0
    assert sorted(a.file.name for a in first.attachments.all()) == on_disk
    # The second attempt stores its document before the constraint refuses the request; then
    # the document goes again.
    again, created = file_request(idempotency_key="twice")
    assert again == first and created is False
    assert stored_files() == on_disk


@pytest.mark.usefixtures("document_storage")
def test_documents_are_stored_under_random_names_not_the_citizens(file_request):
    """The citizen's file name stays in the row (downloads are given it), not in the storage;
    the suffix follows the checked content, and the folder the month."""
    import re

    from django.utils import timezone

    request, _ = file_request(idempotency_key="stored-names")
    month = timezone.localdate().strftime("%Y/%m")
    names = [a.file.name for a in request.attachments.all()]
    assert names and len(set(names)) == len(names)
    for attachment in request.attachments.all():
        assert attachment.original_name == "doc.pdf"
        assert re.fullmatch(rf"attachments/{month}/[0-9a-f]{{32}}\.pdf", attachment.file.name)
    assert sorted(names) == stored_files()


def test_storing_a_document_asks_no_storage_whether_its_name_is_taken(
    file_request, document_storage, monkeypatch
):
    """A random name is never taken: the storage's search for a free name (a look at the disk,
    or a HEAD request to the object store, inside the submission's transaction) is skipped."""

    def asked(name):
        raise AssertionError(f"asked whether {name} exists")

    # On the class: default_storage is a lazy object (its __class__ is the storage's).
    monkeypatch.setattr(document_storage.__class__, "exists", asked)
    request, _ = file_request(idempotency_key="no-look-up")
    attachments = list(request.attachments.all())
    assert attachments
    for attachment in attachments:
        with document_storage.open(attachment.file.name) as stored:
            assert stored.read().startswith(b"%PDF-")


def test_a_taken_name_is_never_written_over(settings, tmp_path):
    """Should a drawn name ever exist, the file system's writer still finds another: it opens
    with O_EXCL (core.files.store_under_new_name)."""
    from django.core.files.base import ContentFile

    from pishkhan.core.files import store_under_new_name

    settings.MEDIA_ROOT = tmp_path
    first = Attachment(content_type="application/pdf", size=9, sha256="", original_name="a.pdf")
    store_under_new_name(first.file, "attachments/taken.pdf", ContentFile(b"%PDF-1 a"))
    second = Attachment(content_type="application/pdf", size=9, sha256="", original_name="b.pdf")
    store_under_new_name(second.file, "attachments/taken.pdf", ContentFile(b"%PDF-1 b"))
    assert first.file.name == "attachments/taken.pdf" != second.file.name
    assert (tmp_path / first.file.name).read_bytes() == b"%PDF-1 a"
    assert (tmp_path / second.file.name).read_bytes() == b"%PDF-1 b"


def test_a_tracking_code_clash_is_retried_with_a_new_code(file_request, monkeypatch):
    taken, _ = file_request()
    fresh = "123456789012"
    codes = iter([taken.tracking_code, fresh])
    monkeypatch.setattr(services, "new_tracking_code", lambda: next(codes))
    clashed, created = file_request()
    assert created and clashed.tracking_code == fresh
    assert ServiceRequest.objects.filter(tracking_code=taken.tracking_code).count() == 1
    # The failed attempt left nothing behind: one event and one SMS for each request.
    for request in (taken, clashed):
        assert events_for("service_request", request.pk).count() == 1
        assert OutboxMessage.objects.filter(subject_id=str(request.pk)).count() == 1
