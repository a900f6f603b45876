"""Reads of service requests, always through ``visible_to``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from pishkhan.catalog.models import FieldKind
from pishkhan.core.audit import events_for
from pishkhan.core.i18n import active_language
from pishkhan.core.jalali import format_jalali_date
from pishkhan.core.text import digits_for_language

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
    for event in events_for(SUBJECT, request.pk):
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
