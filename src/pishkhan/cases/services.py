"""Service-request actions: ``submit`` and ``transition``, called alike by the web views, the
API, commands and tests. Each checks, locks, changes, records an audit event, notifies the
registered listeners and writes the outbox — in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pishkhan.accounts.identity import IdentityMismatch, citizen_for
from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.catalog.fees import fee_in_force, vat_on
from pishkhan.catalog.models import Channel, FeeKind, Service
from pishkhan.core.audit import record_event
from pishkhan.core.files import store_under_new_name
from pishkhan.core.identifiers import new_tracking_code
from pishkhan.core.ratelimit import hit
from pishkhan.core.rows import insert_row, rows_together
from pishkhan.core.workdays import add_working_days
from pishkhan.notify.services import enqueue_sms
from pishkhan.offices.entitlements import entitled_service_ids
from pishkhan.offices.models import Office, OfficeService
from pishkhan.workflow.engine import StepRefused, check_step, record_step
from pishkhan.workflow.events import StateChange, emit
from pishkhan.workflow.models import WorkflowDefinition

from .data_access import note_access
from .models import Attachment, DataAccess, ServiceRequest, attachment_path
from .schema import check_submission

SUBJECT = "service_request"


class RequestError(Exception):
    """A refused action, with a code and a message for the person who tried it."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


class InvalidSubmission(RequestError):
    """The form or the documents break the service's declared schema."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__("invalid", "; ".join(error.messages))
        self.errors = (
            error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        )


class RequestNotFound(RequestError):
    def __init__(self) -> None:
        super().__init__("not_found", _("No such request."))


@dataclass(frozen=True)
class Upload:
    document_id: int | None
    file: Any  # an UploadedFile whose ``checked`` holds the content check (cases.forms)


def fee_lines_for(
    service: Service,
    channel: str,
    office: Office | None,
    on: dt.date,
    *,
    offering: OfficeService | None = None,
) -> list[dict[str, Any]]:
    """The fee lines of a submission, as stored on the request and printed on the receipt.
    ``offering``: the office's OfficeService for this service, when the caller has it already."""
    government = fee_in_force(service, FeeKind.GOVERNMENT, on)
    lines = [
        {
            "code": "government",
            "label_fa": "تعرفه دولتی",
            "label_en": "Government fee",
            "amount": government,
        }
    ]
    if channel == Channel.OFFICE and office is not None:
        cap = fee_in_force(service, FeeKind.OFFICE_CAP, on)
        if offering is None:
            offering = OfficeService.objects.filter(office=office, service=service).first()
        office_fee = min(offering.office_fee_rials, cap) if offering else 0
        lines.append(
            {
                "code": "office_fee",
                "label_fa": "کارمزد دفتر",
                "label_en": "Office fee",
                "amount": office_fee,
            }
        )
        lines.append(
            {
                "code": "vat",
                "label_fa": "مالیات بر ارزش افزوده کارمزد",
                "label_en": "VAT on the office fee",
                # The rate in force on the day; a service from the filing bundle carries the
                # rates, so this costs no query.
                "amount": vat_on(office_fee, on, rates=getattr(service, "vat_rates", None)),
            }
        )
    return lines


def check_office_can_file(office: Office) -> None:
    """An office whose licence is not active (suspended, revoked, expired) files nothing."""
    if not office.can_file_requests:
        raise RequestError(
            "office_inactive",
            _("This office's licence is not active, so it cannot file requests."),
        )


def _check_can_file(
    service: Service,
    channel: str,
    actor: User,
    office: Office | None,
    offering: OfficeService | None = None,
) -> OfficeService | None:
    """Refuse a filing the rules forbid; return the office's offering of the service (counter).
    ``offering``: the office's offering as the caller just read it, if it has."""
    if not service.is_active or not service.agency.is_active:
        raise RequestError("service_inactive", _("This service is not offered at present."))
    if channel == Channel.OFFICE:
        if not service.offered_at_office:
            raise RequestError("channel", _("This service is not offered at counter offices."))
        if (
            office is None
            or actor.role not in (Role.OFFICE_OPERATOR, Role.OFFICE_MANAGER)
            or actor.office_id != office.pk
        ):
            raise RequestError(
                "not_office_staff", _("Only the office's own staff can file at its counter.")
            )
        check_office_can_file(office)
        if offering is None or offering.office_id != office.pk or offering.service_id != service.pk:
            offering = OfficeService.objects.filter(office=office, service=service).first()
        if offering is None:
            raise RequestError("not_offered", _("This office does not offer this service."))
        entitled = entitled_service_ids(office)
        if entitled is not None and service.pk not in entitled:
            raise RequestError(
                "not_entitled",
                _("This office's rank does not let it offer this service at present."),
            )
        return offering
    elif channel == Channel.ONLINE:
        if not service.offered_online:
            raise RequestError("channel", _("This service is not offered online."))
        if office is not None:
            raise RequestError("channel", _("An online request is not filed by an office."))
    else:
        raise RequestError("channel", _("Unknown channel."))
    return None


MISMATCH = _(
    "The identity registry does not match this national code with this mobile number. Check "
    "both with the citizen's national card."
)


def identify_at_counter(
    actor: User, national_code: str, mobile: str, *, via: str = DataAccess.Via.PAGE
) -> User:
    """The citizen at ``actor``'s office counter, as the identity registry knows them (created
    on first contact); the citizen will see that this office asked (``data_access``). Each office
    may ask the registry ``PISHKHAN_IDENTIFY_PER_MINUTE`` times a minute: a person at a desk asks
    a few times; a program asking faster is probing who owns which mobile number (the registry's
    answers are personal, and each costs the state a fee). RequestError ``rate_limited`` or
    ``mismatch``."""
    if hit("identify", f"office-{actor.office_id}", settings.PISHKHAN_IDENTIFY_PER_MINUTE):
        raise RequestError(
            "rate_limited",
            _(
                "This office has asked the identity registry too many times this minute. "
                "Wait a minute, then try again."
            ),
        )
    try:
        citizen = citizen_for(national_code, mobile)
    except IdentityMismatch:
        raise RequestError("mismatch", MISMATCH) from None
    note_access(actor, DataAccess.Kind.IDENTITY, citizen_id=citizen.pk, via=via)
    return citizen


def submit(
    *,
    service: Service,
    citizen: User,
    channel: str,
    actor: User,
    form_values: dict[str, Any],
    uploads: Sequence[Upload] = (),
    office: Office | None = None,
    idempotency_key: str | None = None,
    offering: OfficeService | None = None,
) -> tuple[ServiceRequest, bool]:
    """File a request. Returns (request, created); a repeated idempotency key returns the
    request the first call made instead of a second one. ``offering``: the office's offering of
    the service as the caller just read it (the counter's page has), saving a query."""
    if citizen.role != Role.CITIZEN:
        raise RequestError("not_citizen", _("Requests are filed for a citizen."))
    if channel == Channel.ONLINE and actor.pk != citizen.pk:
        raise RequestError("not_yours", _("Online, citizens file their own requests."))
    offering = _check_can_file(service, channel, actor, office, offering)
    try:
        form_values = check_submission(
            service, form_values, {u.document_id for u in uploads if u.document_id}
        )
    except ValidationError as exc:
        raise InvalidSubmission(exc) from exc
    # The unique constraints on the idempotency key and the tracking code decide, not a look-up
    # first: a repeated form is rare and a tracking-code clash (random 11 digits) rarer still,
    # while the look-ups would cost every submission two queries (docs/performance.md).
    for attempt in range(3):
        try:
            return _file(
                service,
                citizen,
                channel,
                actor,
                office,
                form_values,
                uploads,
                idempotency_key,
                offering,
            ), True
        except IntegrityError:
            if idempotency_key:
                existing = ServiceRequest.objects.filter(idempotency_key=idempotency_key).first()
                if existing is not None:
                    return _same_submission(existing, citizen, service), False
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _file(
    service: Service,
    citizen: User,
    channel: str,
    actor: User,
    office: Office | None,
    form_values: dict[str, Any],
    uploads: Sequence[Upload],
    idempotency_key: str | None,
    offering: OfficeService | None,
) -> ServiceRequest:
    """One attempt at the submission's transaction; the stored files go if it fails."""
    saved_files: list[Any] = []
    try:
        with transaction.atomic(), rows_together():
            request = _create(
                service, citizen, channel, actor, office, form_values, idempotency_key, offering
            )
            _attach(request, uploads, saved_files)
            event = record_event(
                SUBJECT,
                request.pk,
                first=True,
                insert=insert_row,
                action="submit",
                actor=actor,
                to_state=request.status,
                data={
                    "tracking_code": request.tracking_code,
                    "channel": channel,
                    "office": office.pk if office else None,
                    "fee_total": request.fee_total_rials,
                },
            )
            emit(
                StateChange(
                    SUBJECT, request, "submit", "", request.status, actor, "", event.created_at
                )
            )
            enqueue_sms(
                citizen.mobile,
                f"درخواست «{service.name_fa}» با کد رهگیری {request.tracking_code} ثبت شد.",
                subject_type=SUBJECT,
                subject_id=str(request.pk),
                event="submitted",
                insert=insert_row,
            )
    except BaseException:
        for file in saved_files:
            file.delete(save=False)
        raise
    return request


def _attach(request: ServiceRequest, uploads: Sequence[Upload], saved_files: list[Any]) -> None:
    """Store the uploaded documents of a request; ``saved_files`` collects the stored files, so
    the caller can delete them if its transaction fails."""
    for upload in uploads:
        attachment = Attachment(
            request=request,
            document_id=upload.document_id,
            content_type=upload.file.checked.content_type,
            size=upload.file.checked.size,
            sha256=upload.file.checked.sha256,
            original_name=upload.file.name[:200],
        )
        store_under_new_name(
            attachment.file, attachment_path(attachment, upload.file.name), upload.file
        )
        saved_files.append(attachment.file)
        insert_row(attachment)


def _same_submission(existing: ServiceRequest, citizen: User, service: Service) -> ServiceRequest:
    if existing.citizen_id != citizen.pk or existing.service_id != service.pk:
        raise RequestError(
            "idempotency", _("This form was already used for another request; open a new form.")
        )
    return existing


def _create(
    service: Service,
    citizen: User,
    channel: str,
    actor: User,
    office: Office | None,
    form_values: dict[str, Any],
    idempotency_key: str | None,
    offering: OfficeService | None = None,
) -> ServiceRequest:
    now = timezone.now()
    today = timezone.localtime(now).date()
    # catalog.filing keeps the current version with the service; others read it.
    workflow = getattr(service, "current_workflow", None) or WorkflowDefinition.objects.current(
        service.workflow_key
    )
    lines = fee_lines_for(service, channel, office, today, offering=offering)
    province_id = office.province_id if office else citizen.province_id
    if province_id is None:
        raise RequestError(
            "no_province",
            _("The citizen's province is not known; it is needed to route the request."),
        )
    request = ServiceRequest(
        tracking_code=new_tracking_code(),
        service=service,
        agency_id=service.agency_id,
        province_id=province_id,
        citizen=citizen,
        channel=channel,
        office=office,
        operator=actor if channel == Channel.OFFICE else None,
        workflow=workflow,
        status=workflow.parsed.initial,
        form_data=form_values,
        fee_lines=lines,
        fee_total_rials=sum(line["amount"] for line in lines),
        submitted_at=now,
        sla_due_on=add_working_days(today, service.sla_working_days),
        idempotency_key=idempotency_key or None,
    )
    insert_row(request, now=True)  # its id is needed by the rest
    return request


_NOTIFY = {
    "needs_info": "برای درخواست {code} اطلاعات بیشتری لازم است. لطفاً پیگیری کنید.",
    "approved": "درخواست {code} تایید شد.",
    "rejected": "درخواست {code} رد شد. علت در پیگیری درخواست آمده است.",
    "delivered": "درخواست {code} تحویل شد.",
    # Certificates (education): issued on a decision, revoked later with a reason.
    "issued": "گواهی درخواست {code} صادر شد و در پیشخوان شما آماده دریافت است.",
    "revoked": "گواهی درخواست {code} ابطال شد. علت در پیگیری درخواست آمده است.",
}
# States that are a decision (stamping decided_at); tracking shows no due day past one.
DECISION_STATES = frozenset({"approved", "rejected", "issued"})
# The engine's refusals in a request's words (the others are the same for any subject).
_REFUSED = {
    "stale": _("This request was just changed by someone else. Reload it to see the change."),
    "not_allowed": _("This action is not possible in the request's current state."),
}


def transition(
    request_id: int,
    action: str,
    actor: User,
    *,
    comment: str = "",
    expected_version: int | None = None,
) -> ServiceRequest:
    """Move a request along its workflow. Exactly one of two conflicting changes wins; the other
    is told the request was just changed."""
    with transaction.atomic():
        try:
            request = (
                ServiceRequest.objects.visible_to(actor)
                .select_for_update(of=("self",))
                .select_related("workflow", "citizen", "service")
                .get(pk=request_id)
            )
        except ObjectDoesNotExist:
            raise RequestNotFound() from None
        try:
            step, comment = check_step(
                request, action, actor, comment=comment, expected_version=expected_version
            )
        except StepRefused as exc:
            raise RequestError(exc.code, _REFUSED.get(exc.code, exc.message)) from exc
        from_state = request.status
        request.status = step.target
        request.version += 1
        if step.target in DECISION_STATES:
            request.decided_at = timezone.now()
        # Saved before the event and its listeners, which may read the request's row.
        request.save(update_fields=["status", "version", "decided_at", "updated_at"])
        record_step(request, SUBJECT, action, actor, from_state, comment=comment)
        if step.target in _NOTIFY:
            enqueue_sms(
                request.citizen.mobile,
                _NOTIFY[step.target].format(code=request.tracking_code),
                subject_type=SUBJECT,
                subject_id=str(request.pk),
                event=step.target,
            )
    return request


def resubmit(
    request_id: int,
    actor: User,
    *,
    form_values: dict[str, Any],
    uploads: Sequence[Upload] = (),
    expected_version: int | None = None,
) -> ServiceRequest:
    """Answer "more information needed": replace the form data, add documents, resubmit — one
    transaction, so a refusal leaves the request exactly as it was."""
    saved_files: list[Any] = []
    try:
        with transaction.atomic():
            request = (
                ServiceRequest.objects.visible_to(actor)
                .select_for_update(of=("self",))
                .select_related("service")
                .filter(pk=request_id)
                .first()
            )
            if request is None:
                raise RequestNotFound()
            if request.status != "needs_info":
                raise RequestError(
                    "not_allowed", _("This action is not possible in the request's current state.")
                )
            have = set(
                request.attachments.exclude(document=None).values_list("document_id", flat=True)
            )
            try:
                cleaned = check_submission(
                    request.service,
                    form_values,
                    have | {u.document_id for u in uploads if u.document_id},
                )
            except ValidationError as exc:
                raise InvalidSubmission(exc) from exc
            _attach(request, uploads, saved_files)
            changed = cleaned != request.form_data
            if changed:
                ServiceRequest.objects.filter(pk=request.pk).update(form_data=cleaned)
            result = transition(
                request.pk,
                "resubmit",
                actor,
                expected_version=expected_version,
                comment="" if not (changed or uploads) else "اطلاعات یا مدارک تکمیل شد.",
            )
    except BaseException:
        for file in saved_files:
            file.delete(save=False)
        raise
    return result
