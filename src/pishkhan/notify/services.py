from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

from .models import OutboxMessage

logger = logging.getLogger(__name__)


def enqueue_sms(
    mobile: str,
    body: str,
    *,
    subject_type: str = "",
    subject_id: str = "",
    event: str = "",
    sensitive: bool = False,
    insert: Callable[[OutboxMessage], None] | None = None,
) -> OutboxMessage | None:
    """Write an SMS to the outbox in the caller's transaction, and deliver it once that commits.

    If the transaction rolls back, neither the row nor the delivery exists; if the process dies
    after the commit, the periodic sweeper (``deliver_pending``) sends it. ``insert``: how the
    row is written, when the caller writes its rows its own way (``core.rows.insert_row``);
    by default it is saved.
    """
    if not mobile:
        return None
    message = OutboxMessage(
        channel="sms",
        recipient=mobile,
        body=body,
        subject_type=subject_type,
        subject_id=str(subject_id),
        event=event,
        sensitive=sensitive,
    )
    if insert is None:
        message.save(force_insert=True)
    else:
        insert(message)
    transaction.on_commit(lambda: _schedule(message.pk))
    return message


def _schedule(message_id: int) -> None:
    # Never let delivery trouble reach the person whose action already committed: the row is
    # safe in the outbox and the sweeper retries it.
    from .tasks import queue_drain

    try:
        queue_drain()
    except Exception:
        logger.exception("could not schedule delivery of outbox message %s", message_id)
