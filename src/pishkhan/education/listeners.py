"""Certificates follow their requests' workflow, in the state change's own transaction: a request
that could never be issued is refused at filing, "issue" makes the certificate (or fails, and the
step with it), "revoke" revokes it. docs/education.md"""

from __future__ import annotations

from pishkhan.cases.services import SUBJECT
from pishkhan.workflow.events import StateChange, register

from . import certificates

ISSUED = "issued"
REVOKED = "revoked"


@register
def follow_request(change: StateChange) -> None:
    if change.subject_type != SUBJECT:
        return
    request = change.subject
    code = request.service.code
    if code not in (certificates.ACADEMIC_SERVICE, certificates.EMPLOYMENT_SERVICE):
        return
    if change.action == "submit":
        certificates.check_request(request)
    if change.to_state == ISSUED and change.from_state != ISSUED:
        # Issued on filing (the employment certificate) is issued by the system, not the filer.
        certificates.issue(request, None if change.action == "submit" else change.actor)
    elif change.to_state == REVOKED:
        certificates.revoke(request, change.actor, change.comment)
