"""Who has seen a citizen's data (decision 42). ``get_visible`` notes every opening of a request
by someone other than its citizen; a document's download and a counter's identity inquiry note
theirs. The citizen reads the list in the portal, newest first.

A person reopening the same thing within ``WINDOW`` is noted once: a page reloaded, an officer
going back and forth between the queue and a request, a system reading a request again after
each webhook. What the citizen learns — who, where, when, what — is the same."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from pishkhan.accounts.models import Scope

from .models import DataAccess, ServiceRequest

WINDOW = dt.timedelta(minutes=15)


def note_access(
    actor: Any,
    kind: str,
    *,
    request: ServiceRequest | None = None,
    citizen_id: int | None = None,
    via: str = DataAccess.Via.PAGE,
) -> DataAccess | None:
    """Note that ``actor`` saw a citizen's data (``request``'s citizen, or ``citizen_id``); the
    citizen themselves is not noted. Returns the row written, or None."""
    citizen_id = request.citizen_id if request is not None else citizen_id
    if citizen_id is None or not getattr(actor, "is_authenticated", False):
        return None
    if actor.pk == citizen_id:
        return None
    now = timezone.now()
    recent = DataAccess.objects.filter(
        citizen_id=citizen_id, actor_id=actor.pk, kind=kind, at__gte=now - WINDOW
    )
    recent = recent.filter(request=request) if request is not None else recent
    if recent.exists():
        return None
    scope = Scope.of(actor)
    return DataAccess.objects.create(
        citizen_id=citizen_id,
        request=request,
        kind=kind,
        via=via,
        actor_id=actor.pk,
        actor_role=scope.role or "",
        office_id=scope.office_id,
        agency_id=None if scope.office_id else scope.agency_id,
        province_id=scope.province_id,
        at=now,
    )


def accesses_of(citizen: Any) -> QuerySet[DataAccess]:
    """What others have seen of ``citizen``'s data, newest first."""
    return (
        DataAccess.objects.filter(citizen_id=citizen.pk)
        .select_related("request__service", "office", "agency", "province")
        .order_by("-at", "-pk")
    )
