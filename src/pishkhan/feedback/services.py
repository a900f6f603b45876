"""Feedback actions: file and resolve a complaint, rate a delivered request, and the signed rating
link. Each checks, locks, changes, records an audit event and writes the outbox in one
transaction, so a refusal leaves nothing behind."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.cases.models import ServiceRequest
from pishkhan.core.audit import record_event
from pishkhan.core.i18n import active_language
from pishkhan.core.models import AuditEvent
from pishkhan.core.money import format_rials
from pishkhan.notify.services import enqueue_sms
from pishkhan.offices.models import Office

from .models import (
    MAX_COMMENT,
    MAX_TEXT,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    Rating,
    ServiceSatisfaction,
)

COMPLAINT_SUBJECT = "complaint"
RATING_SUBJECT = "rating"
REQUEST_SUBJECT = "service_request"
# The states in which a request has reached the citizen: the default workflow's "delivered" and
# academic-record verification's "issued" (workflow/data/*.json).
DELIVERED_STATES = frozenset({"delivered", "issued"})
RATING_LINK_SALT = "pishkhan.feedback.rating-link"
# "Repeated overcharges": this many overcharge complaints upheld within this many days flag the
# office on the regulator's pages (docs/feedback.md).
OVERCHARGE_FLAG_COUNT = 3
OVERCHARGE_FLAG_DAYS = 180
RESOLVERS = (Role.REGULATOR, Role.NATIONAL_ADMIN)


class FeedbackError(Exception):
    """A refused feedback action, with a code, a message for the person and, when one field is
    at fault, its name."""

    def __init__(self, code: str, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field


# --- complaints --------------------------------------------------------------------------------


def file_complaint(
    citizen: User,
    request: ServiceRequest,
    *,
    kind: str,
    text: str,
    amount_claimed_rials: int | None = None,
) -> Complaint:
    """A citizen's complaint about the office that filed one of their requests."""
    if citizen.role != Role.CITIZEN or request.citizen_id != citizen.pk:
        raise FeedbackError("not_yours", _("You can complain only about a request of your own."))
    if kind not in ComplaintKind.values:
        raise FeedbackError("kind", _("Choose what the complaint is about."), "kind")
    if request.office_id is None:
        raise FeedbackError(
            "no_office",
            _(
                "This request was filed online, not at a counter office, so there is no office "
                "to complain about."
            ),
        )
    text = (text or "").strip()
    if not text:
        raise FeedbackError("text", _("Describe what happened."), "text")
    if len(text) > MAX_TEXT:
        raise FeedbackError("text", _("Keep the description under 2,000 characters."), "text")
    if amount_claimed_rials is not None:
        if kind != ComplaintKind.OVERCHARGE:
            raise FeedbackError(
                "amount",
                _("An amount is asked for only in an overcharge complaint; leave it empty."),
                "amount_claimed",
            )
        if isinstance(amount_claimed_rials, bool) or not isinstance(amount_claimed_rials, int):
            raise TypeError("amounts are whole Rials")
        if amount_claimed_rials <= 0:
            raise FeedbackError(
                "amount", _("Enter the amount you paid, in Rials."), "amount_claimed"
            )
    if _open_complaint(request, kind):
        raise _already_open()
    try:
        with transaction.atomic():
            complaint = Complaint.objects.create(
                request=request,
                office_id=request.office_id,
                province_id=request.province_id,
                citizen=citizen,
                kind=kind,
                text=text,
                amount_claimed_rials=amount_claimed_rials,
            )
            record_event(
                COMPLAINT_SUBJECT,
                complaint.pk,
                first=True,
                action="file",
                actor=citizen,
                to_state=ComplaintStatus.OPEN,
                comment=text,
                data={
                    "tracking_code": request.tracking_code,
                    "office": request.office_id,
                    "kind": kind,
                    "amount_claimed": amount_claimed_rials,
                    "official_total": request.fee_total_rials,
                },
            )
    except IntegrityError:
        # Two identical complaints sent at once: the unique constraint let one through.
        if _open_complaint(request, kind):
            raise _already_open() from None
        raise
    return complaint


def _open_complaint(request: ServiceRequest, kind: str) -> bool:
    return Complaint.objects.filter(
        request=request, kind=kind, status=ComplaintStatus.OPEN
    ).exists()


def _already_open() -> FeedbackError:
    return FeedbackError(
        "already_open",
        _(
            "You already have an open complaint of this kind about this request; the regulator "
            "will answer it."
        ),
    )


_RESOLUTION_SMS = {
    ComplaintStatus.UPHELD: "شکایت شما درباره درخواست {code} بررسی و وارد دانسته شد.",
    ComplaintStatus.DISMISSED: (
        "شکایت شما درباره درخواست {code} بررسی و رد شد. علت در پیشخوان من آمده است."
    ),
}


_REPAY_SMS = (
    "شکایت شما درباره درخواست {code} بررسی و وارد دانسته شد: دفتر باید {amount} را به شما "
    "بازگرداند."
)
_REPAID_SMS = (
    "دفتر ثبت کرد که {amount} بابت درخواست {code} را به شما بازگردانده است. اگر آن را "
    "نگرفته‌اید، از صفحه درخواست در پیشخوان من شکایت کنید."
)


def _locked_complaint(complaint_id: int, actor: User) -> Complaint:
    """The complaint, if ``actor`` may see it, with its row locked for a decision or a record."""
    complaint = (
        Complaint.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("request", "citizen")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        raise FeedbackError("not_found", _("No such complaint."))
    return complaint


def may_decide(user: User) -> bool:
    return user.role in RESOLVERS or user.is_superuser


def resolve_complaint(
    complaint_id: int,
    actor: User,
    *,
    upheld: bool,
    reason: str = "",
    repay_rials: int | None = None,
) -> Complaint:
    """The regulator's decision: upheld, or dismissed with a reason. One decision per complaint:
    the second of two racing decisions finds it resolved.

    An upheld overcharge orders the office to give back ``repay_rials`` (by default what the
    citizen says was taken above the official total; the regulator may order less, or nothing
    with 0, never more than that excess)."""
    if not may_decide(actor):
        raise FeedbackError("role", _("Only the regulator decides complaints."))
    reason = (reason or "").strip()
    if not upheld and not reason:
        raise FeedbackError(
            "reason_required", _("Write the reason for dismissing the complaint."), "reason"
        )
    if len(reason) > MAX_TEXT:
        raise FeedbackError("reason", _("Keep the reason under 2,000 characters."), "reason")
    with transaction.atomic():
        complaint = _locked_complaint(complaint_id, actor)
        if not complaint.is_open:
            raise FeedbackError(
                "already_resolved",
                _("This complaint was already decided. Reload the page to see the decision."),
            )
        repay = _repayment(complaint, upheld, repay_rials)
        complaint.status = ComplaintStatus.UPHELD if upheld else ComplaintStatus.DISMISSED
        complaint.resolution_reason = reason
        complaint.resolved_by = actor
        complaint.resolved_at = timezone.now()
        complaint.repay_rials = repay
        complaint.save(
            update_fields=[
                "status",
                "resolution_reason",
                "resolved_by",
                "resolved_at",
                "repay_rials",
            ]
        )
        record_event(
            COMPLAINT_SUBJECT,
            complaint.pk,
            action="uphold" if upheld else "dismiss",
            actor=actor,
            from_state=ComplaintStatus.OPEN,
            to_state=complaint.status,
            comment=reason,
        )
        if upheld and complaint.kind == ComplaintKind.OVERCHARGE:
            refresh_overcharge_flag(complaint.office_id)
        text = _RESOLUTION_SMS[ComplaintStatus(complaint.status)]
        if repay:
            text = _REPAY_SMS
        enqueue_sms(
            complaint.citizen.mobile,
            text.format(
                code=complaint.request.tracking_code, amount=format_rials(repay or 0, "fa")
            ),
            subject_type=COMPLAINT_SUBJECT,
            subject_id=str(complaint.pk),
            event=complaint.status,
        )
    return complaint


def _repayment(complaint: Complaint, upheld: bool, repay_rials: int | None) -> int | None:
    """What an upheld overcharge orders the office to give back (None: nothing)."""
    overcharge = upheld and complaint.kind == ComplaintKind.OVERCHARGE
    if repay_rials is None:
        excess = complaint.excess_rials if overcharge else None
        return excess if excess and excess > 0 else None
    if not overcharge:
        if repay_rials:
            raise FeedbackError(
                "repay",
                _("Only an upheld overcharge orders the office to give money back."),
                "repay",
            )
        return None
    # At most the excess: the official fees were owed, so only what was taken above them goes
    # back; nothing without a claimed amount to measure it by.
    excess = max(complaint.excess_rials or 0, 0)
    if repay_rials < 0 or repay_rials > excess:
        message: Any
        if not excess:
            message = _(
                "The citizen did not say the office took more than the official total, so no "
                "amount can be ordered back."
            )
        else:
            message = _(
                "The office can be ordered to give back at most what it took above the official "
                "total: %(amount)s."
            ) % {"amount": format_rials(excess, active_language())}
        raise FeedbackError("repay", message, "repay")
    return repay_rials or None


def record_repaid(complaint_id: int, actor: User) -> Complaint:
    """The office (its manager), or the regulator, records that the citizen got back what an
    upheld overcharge ordered; the citizen is told by SMS, and can complain again if not."""
    with transaction.atomic():
        complaint = _locked_complaint(complaint_id, actor)
        if actor.role not in (*RESOLVERS, Role.OFFICE_MANAGER) and not actor.is_superuser:
            raise FeedbackError(
                "role", _("Only the office's manager or the regulator can record this.")
            )
        if complaint.repay_rials is None:
            raise FeedbackError(
                "nothing_owed", _("Nothing is to be given back for this complaint.")
            )
        if complaint.repaid_at is not None:
            raise FeedbackError(
                "already_repaid",
                _("Giving the money back was already recorded. Reload the page to see it."),
            )
        complaint.repaid_at = timezone.now()
        complaint.repaid_recorded_by = actor
        complaint.save(update_fields=["repaid_at", "repaid_recorded_by"])
        record_event(
            COMPLAINT_SUBJECT,
            complaint.pk,
            action="repaid",
            actor=actor,
            from_state=complaint.status,
            to_state=complaint.status,
            comment=str(complaint.repay_rials),
        )
        enqueue_sms(
            complaint.citizen.mobile,
            _REPAID_SMS.format(
                code=complaint.request.tracking_code,
                amount=format_rials(complaint.repay_rials, "fa"),
            ),
            subject_type=COMPLAINT_SUBJECT,
            subject_id=str(complaint.pk),
            event="repaid",
        )
    return complaint


def overcharge_flag_until(office_id: int, today: dt.date | None = None) -> dt.date | None:
    """The last day the office stays flagged for repeated overcharges, by the rule: at least
    OVERCHARGE_FLAG_COUNT overcharge complaints upheld within OVERCHARGE_FLAG_DAYS days. The flag
    holds while the OVERCHARGE_FLAG_COUNT-th most recent upheld overcharge is that recent;
    None when it does not hold today."""
    today = today or timezone.localdate()
    decided = list(
        Complaint.objects.filter(
            office_id=office_id, kind=ComplaintKind.OVERCHARGE, status=ComplaintStatus.UPHELD
        )
        .order_by("-resolved_at")
        .values_list("resolved_at", flat=True)[:OVERCHARGE_FLAG_COUNT]
    )
    if len(decided) < OVERCHARGE_FLAG_COUNT or decided[-1] is None:
        return None
    until = timezone.localtime(decided[-1]).date() + dt.timedelta(days=OVERCHARGE_FLAG_DAYS)
    return until if until >= today else None


def refresh_overcharge_flag(office_id: int) -> dt.date | None:
    """Recompute the office's overcharge flag under its row lock (two decisions about one office
    at once write it one after the other, each counting the other's)."""
    with transaction.atomic():
        office = Office.objects.select_for_update().only("pk").get(pk=office_id)
        until = overcharge_flag_until(office.pk)
        Office.objects.filter(pk=office.pk).update(overcharge_flag_until=until)
    return until


# --- ratings -----------------------------------------------------------------------------------


def rating_link_days() -> int:
    return int(settings.PISHKHAN_RATING_LINK_DAYS)


def rating_token(request: ServiceRequest) -> str:
    """A signed, timestamped token naming the request; it expires after the setting's days."""
    return signing.dumps({"r": request.pk}, salt=RATING_LINK_SALT)


def rating_path(request: ServiceRequest) -> str:
    return reverse("feedback:rate", args=[rating_token(request)])


def request_for_token(token: str) -> ServiceRequest:
    """The request a rating link names; refuses a tampered or expired link."""
    try:
        payload = signing.loads(
            token, salt=RATING_LINK_SALT, max_age=dt.timedelta(days=rating_link_days())
        )
    except signing.SignatureExpired:
        raise FeedbackError(
            "expired",
            _(
                "This rating link has expired. You can still rate the request from its page in "
                "your profile."
            ),
        ) from None
    except signing.BadSignature:
        raise FeedbackError(
            "bad_link", _("This rating link is not valid. Check that it was copied whole.")
        ) from None
    pk = payload.get("r") if isinstance(payload, dict) else None
    request = (
        ServiceRequest.objects.select_related("service", "office", "citizen", "workflow")
        .filter(pk=pk)
        .first()
        if isinstance(pk, int)
        else None
    )
    if request is None:
        raise FeedbackError(
            "bad_link", _("This rating link is not valid. Check that it was copied whole.")
        )
    return request


def was_delivered(request: ServiceRequest) -> bool:
    """The request has reached the citizen (now, or before a later step such as revocation)."""
    if request.status in DELIVERED_STATES:
        return True
    return AuditEvent.objects.filter(
        subject_type=REQUEST_SUBJECT, subject_id=str(request.pk), to_state__in=DELIVERED_STATES
    ).exists()


def rate(request: ServiceRequest, *, score: int, comment: str = "", via: str = "link") -> Rating:
    """The citizen's rating of a delivered request, once. Keeps the office's running average
    and the service's totals in the same transaction."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise FeedbackError("score", _("Choose a score from 1 to 5."), "score")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise FeedbackError("comment", _("Keep the comment under 1,000 characters."), "comment")
    if not was_delivered(request):
        raise FeedbackError(
            "not_delivered", _("A request can be rated once it has been delivered.")
        )
    with transaction.atomic():
        # The request's row lock serialises two ratings of one request; the one-to-one
        # constraint would refuse the second anyway.
        ServiceRequest.objects.select_for_update().only("pk").get(pk=request.pk)
        if Rating.objects.filter(request_id=request.pk).exists():
            raise _already_rated()
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    request=request,
                    office_id=request.office_id,
                    service_id=request.service_id,
                    agency_id=request.agency_id,
                    province_id=request.province_id,
                    score=score,
                    comment=comment,
                )
        except IntegrityError:
            raise _already_rated() from None
        if request.office_id is not None:
            _add_to_office(request.office_id, score)
        _add_to_service(request.service_id, score)
        record_event(
            RATING_SUBJECT,
            rating.pk,
            first=True,
            action="rate",
            actor=request.citizen,
            data={
                "tracking_code": request.tracking_code,
                "score": score,
                "office": request.office_id,
                "via": via,
            },
        )
    return rating


def _already_rated() -> FeedbackError:
    return FeedbackError("already_rated", _("You have already rated this request. Thank you."))


def _add_to_office(office_id: int, score: int) -> None:
    office = (
        Office.objects.select_for_update()
        .only("pk", "satisfaction_sum", "satisfaction_count")
        .get(pk=office_id)
    )
    total = office.satisfaction_sum + score
    count = office.satisfaction_count + 1
    Office.objects.filter(pk=office_id).update(
        satisfaction_sum=total,
        satisfaction_count=count,
        satisfaction_average=(Decimal(total) / count).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        ),
    )


def _add_to_service(service_id: int, score: int) -> None:
    ServiceSatisfaction.objects.get_or_create(service_id=service_id)
    ServiceSatisfaction.objects.filter(service_id=service_id).update(
        ratings_sum=F("ratings_sum") + score, ratings_count=F("ratings_count") + 1
    )
