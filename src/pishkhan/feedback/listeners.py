"""The rating link: when a request reaches the citizen, an SMS with a signed link to rate it is
written to the outbox in the same transaction (a delivery rolled back sends nothing)."""

from __future__ import annotations

from pishkhan.core.links import absolute
from pishkhan.notify.services import enqueue_sms
from pishkhan.workflow.events import StateChange

from .services import DELIVERED_STATES, REQUEST_SUBJECT, rating_link_days, rating_path


def send_rating_link(change: StateChange) -> None:
    if (
        change.subject_type != REQUEST_SUBJECT
        or change.to_state not in DELIVERED_STATES
        or change.from_state in DELIVERED_STATES
    ):
        return
    request = change.subject
    enqueue_sms(
        request.citizen.mobile,
        f"از خدمت «{request.service.name_fa}» (درخواست {request.tracking_code}) چقدر راضی "
        f"بودید؟ از ۱ تا ۵ امتیاز دهید (این پیوند تا {rating_link_days()} روز معتبر است):\n"
        f"{absolute(rating_path(request))}",
        subject_type=REQUEST_SUBJECT,
        subject_id=str(request.pk),
        event="rating_link",
        sensitive=True,
    )
