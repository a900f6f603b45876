"""The one way a workflow step is taken on any subject (a licence application today; service
requests have their own caller in cases.services with the same steps).

The caller locks the subject's row inside a transaction and passes it here; this checks the step
against the subject's workflow version, moves the state, records the audit event and calls the
listeners. The caller saves the subject and does its own side effects in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from pishkhan.core.audit import record_event

from .definition import Transition
from .events import StateChange, emit
from .models import SYSTEM_ROLE

# Steps the platform takes on its own (a daily task expiring a licence) have no ``actor``; a
# definition names SYSTEM_ROLE among such a step's roles.


class StepRefused(Exception):
    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


def take_step(
    subject: Any,
    subject_type: str,
    action: str,
    actor: Any,
    *,
    comment: str = "",
    expected_version: int | None = None,
    data: dict[str, Any] | None = None,
) -> Transition:
    """Check and apply one step to ``subject`` (which has ``workflow``, ``status`` and
    ``version``), record it, notify listeners. The caller holds the row lock and saves."""
    if expected_version is not None and subject.version != expected_version:
        raise StepRefused(
            "stale", _("This was just changed by someone else. Reload it to see the change.")
        )
    step: Transition | None = subject.workflow.parsed.find(subject.status, action)
    if step is None:
        raise StepRefused("not_allowed", _("This action is not possible in the current state."))
    role = SYSTEM_ROLE if actor is None else getattr(actor, "role", None)
    if role not in step.roles:
        raise StepRefused("role", _("Your role cannot take this action."))
    comment = comment.strip()
    if step.comment_required and not comment:
        raise StepRefused("comment_required", _("Write the reason or the message for this action."))
    from_state = subject.status
    subject.status = step.target
    subject.version += 1
    record_event(
        subject_type,
        subject.pk,
        action=action,
        actor=actor,
        from_state=from_state,
        to_state=step.target,
        comment=comment,
        data=data or {},
    )
    emit(StateChange(subject_type, subject, action, from_state, step.target, actor, comment))
    return step
