"""The one way a workflow step is taken on any subject: licence applications and service
requests (``cases.services.transition``).

The caller locks the subject's row inside a transaction and passes it here. ``check_step``
decides whether the step may be taken (version, state, role, comment); ``record_step`` records
its audit event and calls the listeners. ``take_step`` does both around moving the state, for a
caller that saves the subject afterwards; a caller that must save first (a request's decision
time, read by listeners) calls the two itself. Either way, everything happens in the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from pishkhan.core.audit import record_event
from pishkhan.core.models import AuditEvent

from .definition import Definition, Transition
from .events import StateChange, emit
from .models import SYSTEM_ROLE, WorkflowDefinition

# Steps the platform takes on its own (a daily task expiring a licence) have no ``actor``; a
# definition names SYSTEM_ROLE among such a step's roles.


class StepRefused(Exception):
    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


# Rules of higher layers on a step (the payments app: a step that ``requires_payment`` waits for
# the fees). Each is called with the subject and the step, and raises StepRefused to refuse it.
Guard = Callable[[Any, Transition], None]
_guards: list[Guard] = []


def register_guard(guard: Guard) -> Guard:
    if guard not in _guards:
        _guards.append(guard)
    return guard


def check_step(
    subject: Any,
    action: str,
    actor: Any,
    *,
    comment: str = "",
    expected_version: int | None = None,
) -> tuple[Transition, str]:
    """The step ``action`` takes ``subject`` (which has ``workflow``, ``status`` and ``version``)
    by, and the comment as it is to be recorded; StepRefused if it may not be taken now."""
    if expected_version is not None and subject.version != expected_version:
        raise StepRefused(
            "stale", _("This was just changed by someone else. Reload it to see the change.")
        )
    step: Transition | None = _definition(subject).find(subject.status, action)
    if step is None:
        raise StepRefused("not_allowed", _("This action is not possible in the current state."))
    role = SYSTEM_ROLE if actor is None else getattr(actor, "role", None)
    if role not in step.roles:
        raise StepRefused("role", _("Your role cannot take this action."))
    comment = comment.strip()
    if step.comment_required and not comment:
        raise StepRefused("comment_required", _("Write the reason or the message for this action."))
    for guard in _guards:
        guard(subject, step)
    return step, comment


def record_step(
    subject: Any,
    subject_type: str,
    action: str,
    actor: Any,
    from_state: str,
    *,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """The audit event of a step taken (``subject.status`` is already the new state), then the
    listeners, told the event's time so rollups rebuilt from the log give the same figures."""
    event = record_event(
        subject_type,
        subject.pk,
        action=action,
        actor=actor,
        from_state=from_state,
        to_state=subject.status,
        comment=comment,
        data=data or {},
    )
    emit(
        StateChange(
            subject_type,
            subject,
            action,
            from_state,
            subject.status,
            actor,
            comment,
            event.created_at,
        )
    )
    return event


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
    """Check and apply one step to ``subject``, record it, notify listeners. The caller holds
    the row lock and saves."""
    step, comment = check_step(
        subject, action, actor, comment=comment, expected_version=expected_version
    )
    from_state = subject.status
    subject.status = step.target
    subject.version += 1
    record_step(subject, subject_type, action, actor, from_state, comment=comment, data=data)
    return step


def _definition(subject: Any) -> Definition:
    # Versions never change: parsed once per process (the row too, when the caller loaded it).
    loaded = subject._state.fields_cache.get("workflow")
    return WorkflowDefinition.parsed_by_id(subject.workflow_id, loaded)
