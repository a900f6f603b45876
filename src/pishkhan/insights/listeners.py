"""Each state change of a request appends one pending change, in the change's own transaction:
an insert, never an update of a shared row, so concurrent submissions never wait for each other
here. ``rollups.fold`` moves them into the cells. docs/insights.md"""

from __future__ import annotations

from django.utils import timezone

from pishkhan.core.models import AuditEvent
from pishkhan.core.rows import insert_row
from pishkhan.workflow.events import StateChange, register

from .models import PendingChange
from .rollups import SUBJECT


@register
def note_change(change: StateChange) -> None:
    if change.subject_type != SUBJECT:
        return
    request = change.subject
    at = change.at or timezone.now()
    since = None
    if change.from_state:
        # When the request entered the state it leaves: its previous state-changing event (this
        # change's own event is already written, so it is the second newest).
        times = list(
            AuditEvent.objects.filter(subject_type=SUBJECT, subject_id=str(request.pk))
            .exclude(to_state="")
            .order_by("-sequence")
            .values_list("created_at", flat=True)[:2]
        )
        since = times[1] if len(times) == 2 else None
    # With the submission's other rows in one statement (core.rows, decision 31).
    change_row = PendingChange(
        request_id=request.pk,
        at=at,
        since=since,
        from_state=change.from_state,
        to_state=change.to_state,
        submitted_at=request.submitted_at,
        sla_due_on=request.sla_due_on,
        province_id=request.province_id,
        agency_id=request.agency_id,
        service_id=request.service_id,
        channel=request.channel,
        office_id=request.office_id,
    )
    insert_row(change_row)
