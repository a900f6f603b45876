"""The six-monthly ranking of offices (docs/licensing.md, "Ranking").

score = 0.40 × requests handled (share of the province's busiest office)
      + 0.25 × satisfaction (average rating in the period ÷ 5; 0.5 for an office not rated)
      + 0.15 × (1 − complaints upheld in the period ÷ the province's most)
      + 0.10 × (1 − hours on the office's own steps ÷ the province's slowest)
      + 0.10 × insured staff (share of the province's largest)

Within each province the top 20 % of offices (at least one) get rank 1, the next offices up to
70 % rank 2, the rest rank 3. Inputs are kept with each rank, so a rank can be explained.

Satisfaction and upheld complaints are kept by the feedback app, a layer licensing does not
import: it registers its measures here (``register_measures``, from its ``AppConfig.ready``).
Without them every office counts as unrated and without upheld complaints.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.cases.models import ServiceRequest
from pishkhan.core.audit import record_event
from pishkhan.core.models import AuditEvent
from pishkhan.offices.models import Office, OfficeStatus

from .models import OfficeRank, RankingRun
from .services import LicensingError

PERIOD = dt.timedelta(days=182)
WEIGHTS = {
    "handled": 0.40,
    "satisfaction": 0.25,
    "complaints": 0.15,
    "office_hours": 0.10,
    "insured_staff": 0.10,
}
RANK_1_SHARE, RANK_2_SHARE = 0.20, 0.70
NEUTRAL_SATISFACTION = 0.5

# Measures of offices kept by higher layers. Each takes the offices' ids and the period
# [since, until) and answers for the offices it has data on:
#   satisfaction: office id → (average score 1–5, number of ratings) of ratings given in the period
#   upheld complaints: office id → complaints about the office upheld in the period
SatisfactionMeasure = Callable[[list[int], dt.datetime, dt.datetime], dict[int, tuple[float, int]]]
ComplaintsMeasure = Callable[[list[int], dt.datetime, dt.datetime], dict[int, int]]
_measures: dict[str, Callable[..., Any]] = {}


def register_measures(
    *, satisfaction: SatisfactionMeasure, upheld_complaints: ComplaintsMeasure
) -> None:
    """Install the satisfaction and complaint measures (the feedback app does, once)."""
    _measures["satisfaction"] = satisfaction
    _measures["upheld_complaints"] = upheld_complaints


def _satisfaction(
    office_ids: list[int], since: dt.datetime, until: dt.datetime
) -> dict[int, tuple[float, int]]:
    measure = _measures.get("satisfaction")
    return measure(office_ids, since, until) if measure else {}


def _upheld_complaints(
    office_ids: list[int], since: dt.datetime, until: dt.datetime
) -> dict[int, int]:
    measure = _measures.get("upheld_complaints")
    return measure(office_ids, since, until) if measure else {}


def _office_hours(office_ids: list[int], since: dt.datetime) -> dict[int, float]:
    """Average hours each office took to answer 'more information needed' on its requests."""
    requests = dict(
        ServiceRequest.objects.filter(
            office_id__in=office_ids, submitted_at__gte=since
        ).values_list("pk", "office_id")
    )
    asked: dict[str, dt.datetime] = {}
    spent: dict[int, list[float]] = defaultdict(list)
    events = AuditEvent.objects.filter(
        subject_type="service_request",
        subject_id__in=[str(pk) for pk in requests],
        action__in=("ask_info", "resubmit"),
    ).order_by("subject_id", "sequence")
    for event in events.values("subject_id", "action", "created_at"):
        if event["action"] == "ask_info":
            asked[event["subject_id"]] = event["created_at"]
        elif event["subject_id"] in asked:
            hours = (event["created_at"] - asked.pop(event["subject_id"])).total_seconds() / 3600
            spent[requests[int(event["subject_id"])]].append(hours)
    return {office: sum(h) / len(h) for office, h in spent.items()}


def _share(value: float, highest: float) -> float:
    return value / highest if highest > 0 else 0.0


@transaction.atomic
def run_ranking(actor: User, period_end: dt.date | None = None) -> RankingRun:
    if actor.role not in (Role.REGULATOR, Role.NATIONAL_ADMIN):
        raise LicensingError("role", "only the regulator runs the ranking")
    period_end = period_end or timezone.localdate()
    since = timezone.make_aware(dt.datetime.combine(period_end - PERIOD, dt.time.min))
    until = timezone.make_aware(dt.datetime.combine(period_end, dt.time.min)) + dt.timedelta(days=1)
    offices = list(Office.objects.filter(status=OfficeStatus.ACTIVE))
    handled: dict[int, int] = dict(
        ServiceRequest.objects.filter(office__in=offices, submitted_at__gte=since)
        .values_list("office_id")
        .annotate(n=Count("id"))
    )
    hours = _office_hours([o.pk for o in offices], since)
    satisfaction = _satisfaction([o.pk for o in offices], since, until)
    upheld = _upheld_complaints([o.pk for o in offices], since, until)
    run = RankingRun.objects.create(
        period_start=(period_end - PERIOD), period_end=period_end, run_by=actor
    )
    by_province: dict[int, list[Office]] = defaultdict(list)
    for office in offices:
        by_province[office.province_id].append(office)
    for group in by_province.values():
        most_handled = max(handled.get(o.pk, 0) for o in group)
        slowest = max((hours.get(o.pk, 0.0) for o in group), default=0.0)
        most_staff = max(o.insured_staff for o in group)
        most_upheld = max(upheld.get(o.pk, 0) for o in group)
        scored: list[tuple[float, Office, dict[str, Any]]] = []
        for office in group:
            average, ratings = satisfaction.get(office.pk, (None, 0))
            inputs = {
                "handled": handled.get(office.pk, 0),
                "satisfaction": None if average is None else round(average, 2),
                "ratings": ratings,
                "upheld_complaints": upheld.get(office.pk, 0),
                "office_hours": round(hours.get(office.pk, 0.0), 2),
                "insured_staff": office.insured_staff,
            }
            score = (
                WEIGHTS["handled"] * _share(handled.get(office.pk, 0), most_handled)
                + WEIGHTS["satisfaction"]
                * (NEUTRAL_SATISFACTION if average is None else average / 5)
                + WEIGHTS["complaints"] * (1 - _share(upheld.get(office.pk, 0), most_upheld))
                + WEIGHTS["office_hours"] * (1 - _share(hours.get(office.pk, 0.0), slowest))
                + WEIGHTS["insured_staff"] * _share(office.insured_staff, most_staff)
            )
            scored.append((score, office, inputs))
        scored.sort(key=lambda item: (-item[0], item[1].licence_number))
        first = max(1, math.ceil(len(scored) * RANK_1_SHARE))
        second = max(first, math.ceil(len(scored) * RANK_2_SHARE))
        for position, (score, office, inputs) in enumerate(scored):
            rank = 1 if position < first else 2 if position < second else 3
            OfficeRank.objects.create(
                run=run, office=office, score=Decimal(f"{score:.4f}"), rank=rank, inputs=inputs
            )
            if office.rank != rank:
                Office.objects.filter(pk=office.pk).update(rank=rank)
                record_event(
                    "office",
                    office.pk,
                    action="rank",
                    actor=actor,
                    data={"rank": rank, "score": f"{score:.4f}", "run": run.pk},
                )
    return run
