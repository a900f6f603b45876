"""Reads of service requests, always through ``visible_to``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from pishkhan.accounts.roles import AGENCY_ROLES
from pishkhan.catalog.models import Agency, FieldKind, Service
from pishkhan.core.audit import events_for
from pishkhan.core.i18n import active_language
from pishkhan.core.jalali import format_jalali_date
from pishkhan.core.text import digits_for_language
from pishkhan.workflow.models import WorkflowDefinition

from .models import ServiceRequest
from .services import SUBJECT


def get_visible(user: Any, tracking_code: str) -> ServiceRequest:
    request = (
        ServiceRequest.objects.visible_to(user)
        .select_related("service", "service__agency", "citizen", "office", "workflow", "province")
        .filter(tracking_code=tracking_code)
        .first()
    )
    if request is None:
        raise Http404
    return request


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    action: str
    state_label: str
    actor_name: str
    actor_role: str
    comment: str


def timeline(request: ServiceRequest, *, public: bool = False) -> list[TimelineEntry]:
    """The request's history, read from the audit log. The public view drops names and notes."""
    language = active_language()
    definition = request.definition
    entries = []
    events = events_for(SUBJECT, request.pk).only(
        "created_at", "action", "to_state", "actor_name", "actor_role", "comment"
    )
    for event in events:
        entries.append(
            TimelineEntry(
                at=event.created_at,
                action=event.action,
                state_label=definition.state_label(event.to_state, language),
                actor_name="" if public else event.actor_name,
                actor_role="" if public else event.actor_role,
                comment="" if public else event.comment,
            )
        )
    return entries


def form_rows(request: ServiceRequest) -> list[tuple[str, str]]:
    """The request's form data as (label, value) for people: choices by their label, dates in
    Jalali, in the order the service declares its fields."""
    language = active_language()
    rows = []
    for spec in request.service.fields.all():
        value = request.form_data.get(spec.key)
        if value in (None, ""):
            continue
        label = spec.label_en if language == "en" and spec.label_en else spec.label_fa
        if spec.kind == FieldKind.CHOICE:
            choice = next((c for c in spec.choices if c.get("value") == value), None)
            if choice:
                value = (
                    choice.get("label_en")
                    if language == "en" and choice.get("label_en")
                    else choice.get("label_fa", value)
                )
        elif spec.kind == FieldKind.JALALI_DATE:
            value = format_jalali_date(dt.date.fromisoformat(value), language)
        rows.append((label, digits_for_language(value, language)))
    return rows


def sla_state(request: ServiceRequest, today: dt.date | None = None) -> str:
    """'done', 'breached', 'due_soon' (today or the next day) or 'on_time'."""
    if request.is_final or request.decided_at:
        return "done"
    today = today or timezone.localdate()
    if request.sla_due_on < today:
        return "breached"
    if (request.sla_due_on - today).days <= 1:
        return "due_soon"
    return "on_time"


def open_queue(
    queryset: QuerySet[ServiceRequest], final_states: set[str]
) -> QuerySet[ServiceRequest]:
    return queryset.exclude(status__in=final_states).exclude(status="approved")


def agency_queue(user: Any) -> QuerySet[ServiceRequest]:
    """``visible_to(user)`` for agency staff, with the agency condition also spelled as a list of
    agency ids. The rows are the same (the officer's agency and its child agencies); the list lets
    PostgreSQL walk the (agency, province, status, due date) index instead of scanning every
    request to test ``agency_id = A OR agency.parent_id = A`` through a join."""
    visible = ServiceRequest.objects.visible_to(user)
    agency_id = getattr(user, "agency_id", None)
    if getattr(user, "role", None) in AGENCY_ROLES and agency_id and not user.is_superuser:
        ids = Agency.objects.filter(Q(pk=agency_id) | Q(parent_id=agency_id)).order_by()
        visible = visible.filter(agency_id__in=list(ids.values_list("pk", flat=True)))
    return visible


def services_with_requests(visible: QuerySet[ServiceRequest]) -> QuerySet[Service]:
    """The services that have at least one of these requests: one index probe per service."""
    return Service.objects.filter(Exists(visible.filter(service_id=OuterRef("pk"))))


def with_workflows(requests: list[ServiceRequest]) -> list[ServiceRequest]:
    """Give requests that share a workflow version one shared instance of it, read in one query,
    so its definition is parsed once per page instead of once per row."""
    ids = {request.workflow_id for request in requests}
    workflows = WorkflowDefinition.objects.in_bulk(ids) if ids else {}
    for request in requests:
        request.workflow = workflows[request.workflow_id]
    return requests


def for_filing(service: Service) -> Service:
    """The service with its declared fields, documents and fees read once (three queries): the
    request form, ``submit``'s schema check and the fee lines all read these caches."""
    prefetch_related_objects([service], "fields", "documents", "fees")
    return service
