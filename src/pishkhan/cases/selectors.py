"""Reads of service requests, always through ``visible_to``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import AGENCY_ROLES, Role
from pishkhan.catalog.models import Agency, FieldKind, Service
from pishkhan.catalog.models import Service as _Service
from pishkhan.core.audit import events_for
from pishkhan.core.i18n import active_language
from pishkhan.core.jalali import format_jalali_date
from pishkhan.core.models import AuditEvent
from pishkhan.core.text import digits_for_language
from pishkhan.offices.models import Office, OfficeService
from pishkhan.workflow.models import WorkflowDefinition

from .data_access import note_access
from .models import DataAccess, ServiceRequest
from .services import DECISION_STATES, SUBJECT


def get_visible(user: Any, tracking_code: str, *, via: str = DataAccess.Via.PAGE) -> ServiceRequest:
    """One request, opened by ``user``: out of scope, 404. Opened by anyone but its citizen, it
    is noted for the citizen to see (``data_access``); every page and API read of one request
    comes through here, so none is missed."""
    request = (
        ServiceRequest.objects.visible_to(user)
        .select_related("service", "service__agency", "citizen", "office", "workflow", "province")
        .filter(tracking_code=tracking_code)
        .first()
    )
    if request is None:
        raise Http404
    note_access(user, DataAccess.Kind.REQUEST, request=request, via=via)
    return request


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    action: str
    state_label: str
    actor_name: str
    actor_role: str
    comment: str
    # The state's key (the workflow's name for it, for programs: the API); the label is for people.
    state: str = ""


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
                state=event.to_state,
                actor_name="" if public else event.actor_name,
                actor_role="" if public else event.actor_role,
                comment="" if public else event.comment,
            )
        )
    return entries


@dataclass(frozen=True)
class TrackAnswer:
    """What public tracking shows: no names, notes, form data or fees."""

    tracking_code: str
    service_name: str
    state_label: str
    sla_due_on: dt.date
    timeline: list[TimelineEntry]
    state: str = ""  # the state's key, for programs (the API)
    # Decided or closed: the due day is history, and shown it would read as overdue.
    decided: bool = False


# Public tracking is the platform's busiest read, so it is one query in plain SQL on portable
# syntax: the request (with its service's names) and then its public timeline, told apart by the
# first column. The ORM would spend more CPU composing the two queries than PostgreSQL spends
# answering them (docs/performance.md); `make bench` runs this very query in pgbench.
_MATCH = (
    f" FROM {ServiceRequest._meta.db_table} r JOIN {User._meta.db_table} c ON c.id = r.citizen_id"
)
_TRACK_SQL = (
    "SELECT 0, r.status, r.sla_due_on, r.workflow_id, s.name_fa, s.name_en, NULL, 0"
    + _MATCH
    + f" JOIN {_Service._meta.db_table} s ON s.id = r.service_id"
    " WHERE r.tracking_code = %s AND c.national_code = %s"
    " UNION ALL"
    " SELECT 1, e.to_state, NULL, NULL, NULL, NULL, e.created_at, e.sequence"
    + _MATCH
    + f" JOIN {AuditEvent._meta.db_table} e"
    " ON e.subject_type = %s AND e.subject_id = CAST(r.id AS VARCHAR(40))"
    " WHERE r.tracking_code = %s AND c.national_code = %s"
    " ORDER BY 1, 8"
)


def _date(value: dt.date | str) -> dt.date:
    # SQLite gives a union's values without their declared types: ISO text.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _moment(value: dt.datetime | str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    # SQLite keeps the UTC time without its zone; PostgreSQL hands it back with it.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def track(tracking_code: str, national_code: str) -> TrackAnswer | None:
    """The public answer for a tracking code and the national code of the request's citizen;
    None when they do not match (whether or not the code exists)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _TRACK_SQL, [tracking_code, national_code, SUBJECT, tracking_code, national_code]
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    _part, status, due_on, workflow_id, name_fa, name_en, _at, _sequence = rows[0]
    language = active_language()
    definition = WorkflowDefinition.parsed_by_id(workflow_id)
    return TrackAnswer(
        tracking_code=tracking_code,
        service_name=name_en if language == "en" and name_en else name_fa,
        state_label=definition.state_label(status, language),
        state=status,
        decided=status in definition.final or status in DECISION_STATES,
        sla_due_on=_date(due_on),
        timeline=[
            TimelineEntry(
                at=_moment(at),
                action="",
                state_label=definition.state_label(to_state, language),
                state=to_state,
                actor_name="",
                actor_role="",
                comment="",
            )
            for _part, to_state, *_, at, _sequence in rows[1:]
        ],
    )


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


# --- the counter's filing page: the citizen and the office's offering in one query --------------


def _columns(model: type[Model], alias: str) -> tuple[str, Any]:
    """The select list of every concrete column of ``model`` under ``alias``, and a function
    making an instance from those values as the ORM does (the database's converters, then
    ``from_db``); None when the row is absent (a LEFT JOIN's NULL key)."""
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(f"{alias}.{quote(f.column)}" for f in fields)
    converters = []
    for field in fields:
        col = field.get_col(alias)
        converters.append(
            (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
        )
    names = [f.attname for f in fields]
    pk_index = next(i for i, f in enumerate(fields) if f.primary_key)

    def build(values: Sequence[Any]) -> Any:
        if values[pk_index] is None:
            return None
        converted = []
        for value, (col, functions) in zip(values, converters, strict=True):
            for function in functions:
                value = function(value, col, connection)
            converted.append(value)
        return model.from_db(connection.alias, names, converted)

    return columns, build


@cache
def _filing_party_query() -> tuple[str, Any, Any, Any, int, int]:
    user_columns, user = _columns(User, "u")
    offering_columns, offering = _columns(OfficeService, "os")
    office_columns, office = _columns(Office, "o")
    sql = (
        f"SELECT {user_columns}, {offering_columns}, {office_columns}"
        f" FROM {User._meta.db_table} u"
        f" LEFT JOIN {OfficeService._meta.db_table} os ON os.office_id = %s AND os.service_id = %s"
        f" LEFT JOIN {Office._meta.db_table} o ON o.id = os.office_id"
        " WHERE u.id = %s AND u.role = %s"
    )
    users = len(User._meta.concrete_fields)
    return sql, user, offering, office, users, users + len(OfficeService._meta.concrete_fields)


def citizen_and_offering(
    citizen_id: Any, office_id: int | None, service_id: int
) -> tuple[User | None, OfficeService | None]:
    """The citizen a counter files for, and the office's offering of the service with its
    office: what the counter's filing page reads, in one query (the ORM would make two and spend
    more CPU composing them than PostgreSQL answering; docs/performance.md)."""
    if not isinstance(citizen_id, int) or office_id is None:
        return None, None
    sql, user, offering, office, users, offerings = _filing_party_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [office_id, service_id, citizen_id, Role.CITIZEN.value])
        row = cursor.fetchone()
    if row is None:
        return None, None
    found = offering(row[users:offerings])
    if found is not None:
        found._state.fields_cache["office"] = office(row[offerings:])
    return user(row[:users]), found
