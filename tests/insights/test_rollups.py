"""The rollups kept as changes happen equal the rollups rebuilt from the event log, after
thousands of random operations on many services, offices and days; and the rule that fills them
counts what docs/insights.md says."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.accounts.services import ensure_user
from pishkhan.cases.demo import demo_uploads, sample_values
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.services import RequestError, submit, transition
from pishkhan.catalog.models import Agency, Channel, Service
from pishkhan.core.demo import DEMO_PASSWORD, demo_national_code
from pishkhan.insights import rollups
from pishkhan.insights.models import (
    DecisionDay,
    PendingChange,
    StatusDay,
    StepMonth,
)
from pishkhan.offices.models import Office, OfficeService
from pishkhan.payments.demo import settle

pytestmark = pytest.mark.django_db

OPERATIONS = 10_000


class Clock:
    """Time moving on by random steps, so the operations spread over many days and months."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.now = timezone.now() - dt.timedelta(days=400)

    def __call__(self) -> dt.datetime:
        return self.now

    def tick(self) -> None:
        self.now += dt.timedelta(seconds=self.rng.choice([5, 60, 900, 3600, 7200, 30000, 90000]))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the requests' documents


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(random.Random(7))
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def _services() -> list[Service]:
    """Six services on the default workflow on both channels, of different agencies where
    possible; office 23-1001 is made to offer them (no office fee)."""
    services = list(
        Service.objects.filter(
            workflow_key="default", offered_online=True, offered_at_office=True, is_active=True
        )
        .select_related("agency")
        .order_by("agency_id", "pk")
    )
    chosen: list[Service] = []
    for service in services:
        if service.agency_id not in {s.agency_id for s in chosen}:
            chosen.append(service)
    chosen = (chosen + [s for s in services if s not in chosen])[:6]
    office = Office.objects.get(licence_number="23-1001")
    for service in chosen:
        OfficeService.objects.get_or_create(
            office=office, service=service, defaults={"office_fee_rials": 0}
        )
    return chosen


def _national_officer(agency: Agency) -> User:
    """An officer of the agency with no province (sees the whole country)."""
    user, _ = ensure_user(
        f"test-national-{agency.code}", Role.AGENCY_OFFICER, DEMO_PASSWORD, agency=agency
    )
    return user


def test_incremental_rollups_equal_the_rebuilt_ones_after_random_operations(clock):
    rng = random.Random(2026)
    services = _services()
    assert len(services) >= 3, "the catalogue should offer such services"
    officers = {service.agency_id: _national_officer(service.agency) for service in services}
    office = Office.objects.get(licence_number="23-1001")
    operator = User.objects.get(username="operator-1001")
    citizens = [
        User.objects.get(role=Role.CITIZEN, national_code=demo_national_code(seed))
        for seed in range(1, 6)
    ]
    academic = Service.objects.get(code="moe-sanjesh-academic-verification")
    rollups.fold_all()
    open_requests: list[int] = []
    refused = 0
    for _ in range(OPERATIONS):
        clock.tick()
        roll = rng.random()
        if roll < 0.3 or not open_requests:
            service = rng.choice(services)
            citizen = rng.choice(citizens)
            at_office = rng.random() < 0.6
            request, _ = submit(
                service=service,
                citizen=citizen,
                channel=Channel.OFFICE if at_office else Channel.ONLINE,
                actor=operator if at_office else citizen,
                office=office if at_office else None,
                form_values=sample_values(service, citizen),
                uploads=demo_uploads(service),
            )
            open_requests.append(request.pk)
        elif roll < 0.32:
            # Refused inside the submission's transaction (no academic records): nothing counted.
            nobody = citizens[2]
            with pytest.raises(RequestError):
                submit(
                    service=academic,
                    citizen=nobody,
                    channel=Channel.ONLINE,
                    actor=nobody,
                    form_values={
                        "level": "primary",
                        "final_year": "1400",
                        "purpose": "university",
                        "recipient_name": "x",
                    },
                )
            refused += 1
        else:
            request = ServiceRequest.objects.select_related("workflow", "citizen").get(
                pk=rng.choice(open_requests)
            )
            actions = _actions(request)
            if not actions:
                open_requests.remove(request.pk)
                continue
            action, roles = rng.choice(actions)
            if Role.AGENCY_OFFICER in roles:
                actor = officers[request.agency_id]
            elif request.office_id and Role.OFFICE_OPERATOR in roles:
                actor = operator
            elif not request.office_id and Role.CITIZEN in roles:
                actor = request.citizen
            else:
                continue
            if request.definition.find(request.status, action).requires_payment:
                settle(request)  # delivering waits for the fees
            transition(request.pk, action, actor, comment="یادداشت آزمون")
        if rng.random() < 0.02:
            rollups.fold(limit=rng.choice([1, 50, 5000]))
    assert refused > 0
    rollups.fold_all()
    assert not PendingChange.objects.exists()
    kept = rollups.snapshot()
    assert kept["StatusDay"] and kept["DecisionDay"] and kept["StepMonth"]
    assert len({row[0] for row in kept["StatusDay"]}) > 100  # many days
    rollups.rebuild()
    rebuilt = rollups.snapshot()
    for name in kept:
        assert kept[name] == rebuilt[name], name


def _actions(request: ServiceRequest) -> list[tuple[str, tuple[str, ...]]]:
    definition = request.definition
    return [
        (transition_.action, tuple(transition_.roles))
        for transition_ in definition.transitions
        if request.status in transition_.sources
    ]


def test_a_change_counts_its_status_its_time_in_step_and_its_decision(clock):
    service = _services()[0]
    citizen = User.objects.get(role=Role.CITIZEN, national_code=demo_national_code(1))
    officer = _national_officer(service.agency)
    rollups.fold_all()
    request, _ = submit(
        service=service,
        citizen=citizen,
        channel=Channel.ONLINE,
        actor=citizen,
        form_values=sample_values(service, citizen),
        uploads=demo_uploads(service),
    )
    filed = rollups.local_day(request.submitted_at)
    key = {"day": filed, "service_id": service.pk, "channel": "online"}
    assert PendingChange.objects.filter(request_id=request.pk).count() == 1
    assert not StatusDay.objects.filter(**key, status="submitted").exists()
    rollups.fold_all()
    assert StatusDay.objects.get(**key, status="submitted").requests == 1

    clock.now += dt.timedelta(hours=30)
    transition(request.pk, "start_review", officer)
    clock.now += dt.timedelta(hours=3)
    transition(request.pk, "approve", officer)
    rollups.fold_all()

    def now_in(status: str) -> int:
        cells = StatusDay.objects.filter(**key, status=status)
        return sum(cells.values_list("requests", flat=True))

    assert (now_in("submitted"), now_in("in_review"), now_in("approved")) == (0, 0, 1)
    day = rollups.local_day(clock.now)
    waited = StepMonth.objects.get(
        service_id=service.pk, state="submitted", month=rollups.jalali_month(day)
    )
    assert waited.count == 1 and 30 * 3600 <= waited.total_seconds < 30 * 3600 + 5
    assert waited.b04 == 1  # 24 h < 30 h <= 48 h
    decided = DecisionDay.objects.get(service_id=service.pk, decision="approved", day=day)
    assert decided.count == 1 and decided.b04 == 1  # 33 hours from filing
    assert decided.breached == 0


def test_a_rolled_back_change_leaves_nothing_pending():
    citizen = User.objects.get(role=Role.CITIZEN, national_code=demo_national_code(3))
    academic = Service.objects.get(code="moe-sanjesh-academic-verification")
    rollups.fold_all()
    with pytest.raises(RequestError):
        submit(
            service=academic,
            citizen=citizen,
            channel=Channel.ONLINE,
            actor=citizen,
            form_values={
                "level": "primary",
                "final_year": "1400",
                "purpose": "university",
                "recipient_name": "x",
            },
        )
    assert not PendingChange.objects.exists()


def test_buckets_are_inclusive_upper_bounds():
    assert rollups.bucket(0) == 0
    assert rollups.bucket(3600) == 0
    assert rollups.bucket(3601) == 1
    assert rollups.bucket(90 * 86400) == 13
    assert rollups.bucket(90 * 86400 + 1) == 14


def test_the_rollup_command_folds_and_rebuilds():
    from io import StringIO

    from django.core.management import call_command

    before = rollups.snapshot()
    out = StringIO()
    call_command("rollup", "fold", stdout=out)
    assert "pending changes folded" in out.getvalue()
    call_command("rollup", "rebuild", stdout=out)
    assert "state changes replayed from the event log" in out.getvalue()
    assert rollups.snapshot() == before  # the demo's rollups were rebuilt, nothing pending
