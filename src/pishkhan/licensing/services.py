"""Licensing actions: apply, review, decide (with the county's capacity checked atomically),
suspend, revoke, renew, expire; and the working group's capacity decisions."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pishkhan.accounts.identity import Identity, IdentityMismatch, confirmed_adult
from pishkhan.accounts.identity import backend as identity_backend
from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.accounts.services import set_password_path
from pishkhan.core.audit import events_for, record_event
from pishkhan.core.i18n import active_language
from pishkhan.core.jalali import format_jalali_date
from pishkhan.core.links import absolute
from pishkhan.core.models import County, Province
from pishkhan.core.text import digits_for_language
from pishkhan.notify.services import enqueue_sms
from pishkhan.offices.models import Office, OfficeStatus
from pishkhan.workflow.engine import StepRefused, take_step
from pishkhan.workflow.models import WorkflowDefinition

from .models import (
    ApplicationDocument,
    CountyCapacity,
    Licence,
    LicenceApplication,
    Suspension,
    capacity_on,
)

SUBJECT = "licence_application"
OFFICE_SUBJECT = "office"
APPLICATION_WORKFLOW = "licence_application"
OFFICE_WORKFLOW = "office_licence"  # the licence's life cycle (workflow/data/office_licence.json)
LICENCE_YEARS = 5
PEOPLE_PER_OFFICE = 20_000
REMINDER_DAYS = (60, 30, 7)
# A licence may be renewed from this many months before it ends (or any time after): decision 46.
RENEWAL_WINDOW_MONTHS = 6


class LicensingError(Exception):
    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


def apply(
    applicant: User, *, documents: Sequence[tuple[str, Any, dt.date | None]] = (), **fields: Any
) -> LicenceApplication:
    """File a licence application with its documents (title, checked upload, valid until),
    validated as a whole; a refusal saves nothing, files included."""
    today = timezone.localdate()
    expired = [
        title for title, _file, valid_until in documents if valid_until and valid_until < today
    ]
    if expired:
        raise ValidationError(
            {"__all__": [_("This document has expired: %(title)s") % {"title": t} for t in expired]}
        )
    stored: list[Any] = []
    try:
        with transaction.atomic():
            application = LicenceApplication(
                applicant=applicant,
                workflow=WorkflowDefinition.objects.current(APPLICATION_WORKFLOW),
                **fields,
            )
            application.status = application.workflow.parsed.initial
            application.full_clean()
            # The manager is who the identity registry says, and an adult (decision 53): the
            # licence's set-password link goes to this mobile.
            confirmed_adult(
                application.manager_national_code,
                application.manager_mobile,
                national_code_field="manager_national_code",
                mobile_field="manager_mobile",
            )
            application.save()
            for title, upload, valid_until in documents:
                document = ApplicationDocument(
                    application=application,
                    title=title,
                    valid_until=valid_until,
                    content_type=upload.checked.content_type,
                )
                document.file.save(upload.name, upload, save=False)
                stored.append(document.file)
                document.save()
            record_event(
                SUBJECT,
                application.pk,
                action="apply",
                actor=applicant,
                to_state=application.status,
                data={"documents": len(documents)},
            )
    except BaseException:
        for file in stored:
            file.delete(save=False)
        raise
    return application


def _locked(application_id: int, actor: User) -> LicenceApplication:
    application = (
        LicenceApplication.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("workflow", "county")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise LicensingError("not_found", _("No such application."))
    return application


def act(
    application_id: int,
    action: str,
    actor: User,
    *,
    comment: str = "",
    expected_version: int | None = None,
) -> LicenceApplication:
    """Review steps and refusals. Approval goes through ``approve`` (it issues the licence)."""
    if action == "approve":
        return approve(application_id, actor, comment=comment, expected_version=expected_version)
    with transaction.atomic():
        application = _locked(application_id, actor)
        try:
            take_step(
                application,
                SUBJECT,
                action,
                actor,
                comment=comment,
                expected_version=expected_version,
            )
        except StepRefused as exc:
            raise LicensingError(exc.code, exc.message) from exc
        application.save(update_fields=["status", "version"])
    return application


@dataclass(frozen=True)
class CountyCapacityState:
    capacity: int | None
    active: int

    @property
    def has_room(self) -> bool:
        return self.capacity is None or self.active < self.capacity


def capacity_state(county: County, on: dt.date | None = None) -> CountyCapacityState:
    on = on or timezone.localdate()
    active = Office.objects.filter(county=county, status=OfficeStatus.ACTIVE).count()
    return CountyCapacityState(capacity_on(county.pk, on), active)


def approve(
    application_id: int, actor: User, *, comment: str = "", expected_version: int | None = None
) -> LicenceApplication:
    """Approve and issue the licence — refused when the county is at capacity. The county's row
    is locked first, so approvals racing for a county's last place approve exactly one."""
    with transaction.atomic():
        application = _locked(application_id, actor)
        County.objects.select_for_update().get(pk=application.county_id)
        state = capacity_state(application.county)
        if not state.has_room:
            raise LicensingError(
                "no_capacity",
                _(
                    "%(county)s is at its capacity of %(capacity)s active offices; the "
                    "provincial working group must raise it first."
                )
                % {
                    "county": application.county.name_fa,
                    # The figure in the UI's digits (Persian digits in Persian).
                    "capacity": digits_for_language(state.capacity, active_language()),
                },
            )
        manager_identity = _manager_identity(application)
        try:
            take_step(
                application,
                SUBJECT,
                "approve",
                actor,
                comment=comment,
                expected_version=expected_version,
            )
        except StepRefused as exc:
            raise LicensingError(exc.code, exc.message) from exc
        today = timezone.localdate()
        number = _next_licence_number(application.county.province)
        office = Office.objects.create(
            licence_number=number,
            name=application.office_name,
            kind=application.kind,
            county=application.county,
            province_id=application.county.province_id,
            address=application.address,
            postal_code=application.postal_code,
            phone=application.phone,
            status=OfficeStatus.ACTIVE,
            operator_kind=application.operator_kind,
            operator_name=application.company_name,
            legal_entity_id=application.legal_entity_id,
            workflow=WorkflowDefinition.objects.current(OFFICE_WORKFLOW),
        )
        Licence.objects.create(
            office=office,
            number=number,
            issued_on=today,
            expires_on=_years_later(today, LICENCE_YEARS),
        )
        application.office = office
        application.save(update_fields=["status", "version", "office"])
        manager = _manager_account(application, office, manager_identity)
        _initial_offerings(office)
        record_event(
            OFFICE_SUBJECT,
            office.pk,
            action="licence_issued",
            actor=actor,
            to_state=OfficeStatus.ACTIVE,
            data={"licence": number},
        )
        enqueue_sms(
            application.manager_mobile,
            f"پروانه دفتر پیشخوان «{application.office_name}» با شماره {number} صادر شد.\n"
            f"نام کاربری مدیر دفتر: {manager.username}\n"
            f"تعیین گذرواژه: {absolute(set_password_path(manager))}",
            subject_type=SUBJECT,
            subject_id=str(application.pk),
            event="licence_issued",
            sensitive=True,
        )
    return application


def _manager_identity(application: LicenceApplication) -> Identity:
    """The manager as the identity registry knows them now. The pair was confirmed when the
    application was filed; if the registry no longer confirms it (the mobile changed hands), the
    licence is not issued: its set-password link would go to someone else (decision 53)."""
    try:
        return identity_backend().inquire(
            application.manager_national_code, application.manager_mobile
        )
    except IdentityMismatch:
        raise LicensingError(
            "manager_unconfirmed",
            _(
                "The identity registry no longer confirms the manager's mobile as the manager's "
                "national code, so the licence cannot be issued on this application. Reject it "
                "with that reason; the applicant may apply again with the mobile registered in "
                "the manager's name."
            ),
        ) from None


def _manager_account(application: LicenceApplication, office: Office, identity: Identity) -> User:
    """The new office's manager account, with no password until the manager sets one through
    the link sent by SMS, named as the identity registry knows the manager (decision 46)."""
    manager = User(
        username=f"manager-{office.licence_number}",
        role=Role.OFFICE_MANAGER,
        first_name=identity.first_name,
        last_name=identity.last_name,
        office=office,
        province_id=office.province_id,
        national_code=application.manager_national_code,
        mobile=application.manager_mobile,
    )
    manager.set_unusable_password()
    manager.full_clean()
    manager.save()
    return manager


def _initial_offerings(office: Office) -> None:
    """A new office starts offering the catalogue's office services at their caps; its manager
    lowers its fees (never above the cap) and the ranking will narrow what it may offer."""
    from pishkhan.catalog.fees import fee_in_force
    from pishkhan.catalog.models import FeeKind, Service
    from pishkhan.offices.models import OfficeService

    today = timezone.localdate()
    OfficeService.objects.bulk_create(
        OfficeService(
            office=office,
            service=service,
            office_fee_rials=fee_in_force(service, FeeKind.OFFICE_CAP, today),
        )
        for service in Service.objects.active()
        .filter(offered_at_office=True)
        .prefetch_related("fees")
    )


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _next_licence_number(province: Province) -> str:
    prefix = f"{province.sci_code}-"
    numbers = Office.objects.filter(licence_number__startswith=prefix).values_list(
        "licence_number", flat=True
    )
    highest = max(
        (int(n.split("-")[1]) for n in numbers if n.split("-")[1].isdigit()), default=1000
    )
    return f"{prefix}{highest + 1}"


@transaction.atomic
def set_capacity(
    county: County, capacity: int, effective_from: dt.date, note: str, actor: User
) -> CountyCapacity:
    """The working group's decision for a county. Lower than the active offices is allowed (no
    office is closed by it) but then no new approval passes until offices leave."""
    if actor.role not in (Role.WORKING_GROUP, Role.NATIONAL_ADMIN) or (
        actor.role == Role.WORKING_GROUP and actor.province_id != county.province_id
    ):
        raise LicensingError(
            "role", _("Only the province's working group sets its counties' capacity.")
        )
    if capacity < 0:
        raise ValidationError(_("Capacity cannot be negative."))
    if effective_from < timezone.localdate():
        raise ValidationError(_("A capacity decision takes effect from today or a later date."))
    if not note.strip():
        raise ValidationError(
            _("Write the decision note (the working group's session and decision).")
        )
    row, _created = CountyCapacity.objects.update_or_create(
        county=county,
        effective_from=effective_from,
        defaults={"capacity": capacity, "note": note.strip(), "decided_by": actor},
    )
    record_event(
        "county",
        county.pk,
        action="set_capacity",
        actor=actor,
        data={"capacity": capacity, "from": effective_from.isoformat(), "note": note.strip()},
    )
    return row


@dataclass(frozen=True)
class CapacityRow:
    county: County
    capacity: int | None
    active: int
    pending: int
    population: int
    recommended: int

    @property
    def people_per_office(self) -> int | None:
        return self.population // self.active if self.active else None

    @property
    def over(self) -> bool:
        return self.capacity is not None and self.active >= self.capacity


def capacity_table(province: Province, on: dt.date | None = None) -> list[CapacityRow]:
    """Each county: capacity, active offices, pending applications, apportioned population and
    the recommended capacity (one office per 20,000 people, at least one per county)."""
    on = on or timezone.localdate()
    counties = list(
        County.objects.filter(province=province)
        .annotate(
            active=Count("offices", filter=Q(offices__status=OfficeStatus.ACTIVE), distinct=True),
        )
        .order_by("name_fa")
    )
    pending = dict(
        LicenceApplication.objects.filter(county__province=province)
        .exclude(status__in=("approved", "rejected"))
        .values_list("county_id")
        .annotate(n=Count("id"))
    )
    capacities: dict[int, int] = {}
    for row in CountyCapacity.objects.filter(
        county__province=province, effective_from__lte=on
    ).order_by("county_id", "-effective_from"):
        capacities.setdefault(row.county_id, row.capacity)
    weights = sum(max(c.city_count, 1) for c in counties) or 1
    rows = []
    for county in counties:
        population = province.population_2016 * max(county.city_count, 1) // weights
        rows.append(
            CapacityRow(
                county=county,
                capacity=capacities.get(county.pk),
                active=county.active,
                pending=pending.get(county.pk, 0),
                population=population,
                recommended=max(1, math.ceil(population / PEOPLE_PER_OFFICE)),
            )
        )
    return rows


def _office_step(
    office_id: int,
    actor: User | None,
    action: str,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> Office:
    """Take one step of an office's licence workflow (actor None: the platform's daily task),
    under the office's row lock; the caller's own changes join the same transaction."""
    with transaction.atomic():
        office = (
            Office.objects.select_for_update(of=("self",))
            .select_related("workflow")
            .get(pk=office_id)
        )
        if office.workflow_id is None:
            office.workflow = WorkflowDefinition.objects.current(OFFICE_WORKFLOW)
        try:
            take_step(office, OFFICE_SUBJECT, action, actor, comment=comment, data=data)
        except StepRefused as exc:
            raise LicensingError(exc.code, exc.message) from exc
        office.save(update_fields=["status", "version", "workflow"])
    return office


@transaction.atomic
def suspend(office_id: int, actor: User, *, reason: str, until: dt.date) -> Office:
    if until <= timezone.localdate():
        raise LicensingError("date", _("A suspension ends on a future date."))
    office = _office_step(office_id, actor, "suspend", reason, {"until": until.isoformat()})
    Suspension.objects.create(
        office=office, reason=reason.strip(), starts_on=timezone.localdate(), until=until
    )
    return office


@transaction.atomic
def reinstate(office_id: int, actor: User | None, *, reason: str) -> Office:
    """Lift a suspension: the regulator early, or the daily task (actor None) at its end."""
    office = _office_step(office_id, actor, "reinstate", reason)
    Suspension.objects.filter(office_id=office_id, lifted_at__isnull=True).update(
        lifted_at=timezone.now()
    )
    return office


def revoke(office_id: int, actor: User, *, reason: str) -> Office:
    return _office_step(office_id, actor, "revoke", reason)


def _office_workflow(office: Office) -> Any:
    if office.workflow_id is not None:
        return WorkflowDefinition.parsed_by_id(office.workflow_id)
    return WorkflowDefinition.objects.current(OFFICE_WORKFLOW).parsed


def office_steps(office: Office, role: str) -> set[str]:
    """The licence steps ``role`` may take on the office now."""
    return {step.action for step in _office_workflow(office).available(office.status, role)}


@dataclass(frozen=True)
class OfficeEvent:
    created_at: dt.datetime
    label: str
    comment: str
    # A renewal's new expiry date (from the event's data).
    expires_on: dt.date | None = None


def office_history(office: Office, language: str) -> list[OfficeEvent]:
    """The office's licence history for people: each step by the label of the transition it
    took — its action *and* its from and to states (one action, such as renew, can be several
    transitions with different labels) — and a renewal with its new expiry date."""
    definition = _office_workflow(office)
    history = []
    for event in events_for(OFFICE_SUBJECT, office.pk):
        if event.action == "licence_issued":
            label = str(_("Licence issued"))
        else:
            step = next(
                (
                    t
                    for t in definition.transitions
                    if t.action == event.action
                    and event.from_state in t.sources
                    and t.target == event.to_state
                ),
                None,
            ) or definition.find(event.from_state, event.action)
            label = step.label(language) if step else event.action
        expires_on = (event.data or {}).get("expires_on")
        history.append(
            OfficeEvent(
                event.created_at,
                label,
                event.comment,
                dt.date.fromisoformat(expires_on) if expires_on else None,
            )
        )
    return history


def current_licence(office: Office) -> Licence | None:
    return office.licences.order_by("-expires_on").first()


def _months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last_day))


@dataclass(frozen=True)
class RenewalTerms:
    """When a licence may be renewed, and what a renewal today would give."""

    opens_on: dt.date | None  # None: no licence on record, renewable at once
    new_expiry: dt.date
    today: dt.date
    lapsed: bool = False  # the office's licence has expired (its status says so)

    @property
    def is_open(self) -> bool:
        return self.lapsed or self.opens_on is None or self.today >= self.opens_on


def renewal_terms(
    licence: Licence | None, today: dt.date | None = None, *, lapsed: bool = False
) -> RenewalTerms:
    """A licence is renewed from RENEWAL_WINDOW_MONTHS before it ends, or any time after — an
    office whose licence has expired is always renewable (decision 46). Five years are added to
    the old expiry date, or to today once it is past."""
    today = today or timezone.localdate()
    if licence is None:
        return RenewalTerms(None, _years_later(today, LICENCE_YEARS), today, lapsed)
    start = max(licence.expires_on, today)
    return RenewalTerms(
        _months_before(licence.expires_on, RENEWAL_WINDOW_MONTHS),
        _years_later(start, LICENCE_YEARS),
        today,
        lapsed,
    )


def renew(office_id: int, actor: User) -> Licence:
    """Renew: a new licence row from the old expiry date (or today, once expired), accepted
    only within the renewal window. An expired office is active again; a suspended one stays
    suspended until reinstated."""
    with transaction.atomic():
        # The row lock first, so two renewals cannot both start from the same expiry date (and
        # the second, seeing the first's licence, is outside the window).
        locked = Office.objects.select_for_update().get(pk=office_id)
        latest = current_licence(locked)
        terms = renewal_terms(latest, lapsed=locked.status == OfficeStatus.EXPIRED)
        # A step the workflow does not offer (a revoked licence) is refused by the workflow.
        renewable = _office_workflow(locked).find(locked.status, "renew") is not None
        if renewable and not terms.is_open and latest is not None and terms.opens_on is not None:
            language = active_language()
            raise LicensingError(
                "renewal_window",
                _(
                    "This licence is valid until %(expires)s. It can be renewed from %(opens)s, "
                    "six months before it ends."
                )
                % {
                    "expires": format_jalali_date(latest.expires_on, language),
                    "opens": format_jalali_date(terms.opens_on, language),
                },
            )
        expires_on = terms.new_expiry
        office = _office_step(
            office_id, actor, "renew", data={"expires_on": expires_on.isoformat()}
        )
        licence = Licence.objects.create(
            office=office,
            number=office.licence_number,
            issued_on=timezone.localdate(),
            expires_on=expires_on,
        )
    return licence


def _manager_mobile(office: Office) -> str:
    """Where licence news goes: the manager named in the application, else the office's
    manager account."""
    application = LicenceApplication.objects.filter(office=office).first()
    if application is not None:
        return application.manager_mobile
    manager = (
        User.objects.filter(office=office, role=Role.OFFICE_MANAGER).exclude(mobile="").first()
    )
    return manager.mobile if manager else ""


def expire_and_remind(today: dt.date | None = None) -> dict[str, int]:
    """Daily: expire licences past their date; SMS the managers 60, 30 and 7 days ahead."""
    today = today or timezone.localdate()
    expired = reminded = 0
    for suspension in Suspension.objects.filter(
        lifted_at__isnull=True, until__lt=today, office__status=OfficeStatus.SUSPENDED
    ):
        reinstate(suspension.office_id, None, reason="پایان دوره تعلیق")
    for office in Office.objects.filter(status__in=(OfficeStatus.ACTIVE, OfficeStatus.SUSPENDED)):
        licence = current_licence(office)
        if licence is None:
            continue
        days_left = (licence.expires_on - today).days
        if days_left < 0:
            _office_step(office.pk, None, "expire", data={"expired_on": str(licence.expires_on)})
            expired += 1
        elif days_left in REMINDER_DAYS:
            enqueue_sms(
                _manager_mobile(office),
                f"پروانه دفتر «{office.name}» {days_left} روز دیگر به پایان می‌رسد. "
                "برای تمدید اقدام کنید.",
                subject_type=OFFICE_SUBJECT,
                subject_id=str(office.pk),
                event=f"renewal_reminder_{days_left}",
            )
            reminded += 1
    return {"expired": expired, "reminded": reminded}
