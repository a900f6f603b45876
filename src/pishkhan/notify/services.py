from __future__ import annotations

from .models import OutboxMessage


def enqueue_sms(
    mobile: str, body: str, *, subject_type: str = "", subject_id: str = "", event: str = ""
) -> OutboxMessage | None:
    """Write an SMS to the outbox, in the caller's transaction. No mobile, no message."""
    if not mobile:
        return None
    return OutboxMessage.objects.create(
        channel="sms",
        recipient=mobile,
        body=body,
        subject_type=subject_type,
        subject_id=str(subject_id),
        event=event,
    )
