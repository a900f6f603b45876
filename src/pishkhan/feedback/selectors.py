"""Reads of ratings and complaints: the averages the dashboards and the ranking use, the
regulator's queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Count, QuerySet, Sum

from .models import Complaint, ComplaintKind, ComplaintStatus, Rating, ServiceSatisfaction

Dimension = Literal["office", "service", "agency", "province"]


@dataclass(frozen=True)
class Satisfaction:
    """The ratings of one office, service, agency or province: their number and average."""

    count: int
    total: int

    @property
    def average(self) -> float:
        return round(self.total / self.count, 2) if self.count else 0.0


def satisfaction_by(
    dimension: Dimension,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    ids: Iterable[int] | None = None,
    ratings: QuerySet[Rating] | None = None,
) -> dict[int, Satisfaction]:
    """Average rating per office, service, agency or province, of the ratings given in
    [since, until) (either may be open), optionally for some ids only or within a given set of
    ratings. One grouped query; ratings of online requests have no office and are left out of
    the per-office figures."""
    if dimension not in ("office", "service", "agency", "province"):
        raise ValueError(f"unknown dimension {dimension!r}")
    column = f"{dimension}_id"
    rows = (ratings if ratings is not None else Rating.objects.all()).filter(
        **{f"{column}__isnull": False}
    )
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    if ids is not None:
        rows = rows.filter(**{f"{column}__in": list(ids)})
    grouped = rows.order_by().values(column).annotate(n=Count("id"), total=Sum("score"))
    return {row[column]: Satisfaction(row["n"], row["total"]) for row in grouped}


def office_satisfaction(
    office_ids: list[int], since: dt.datetime, until: dt.datetime
) -> dict[int, tuple[float, int]]:
    """The ranking's satisfaction measure (licensing.ranking.register_measures)."""
    figures = satisfaction_by("office", since=since, until=until, ids=office_ids)
    return {pk: (s.total / s.count, s.count) for pk, s in figures.items()}


def upheld_complaints(
    office_ids: list[int], since: dt.datetime, until: dt.datetime
) -> dict[int, int]:
    """The ranking's complaint measure: complaints of any kind upheld in [since, until)."""
    rows = (
        Complaint.objects.filter(
            office_id__in=office_ids,
            status=ComplaintStatus.UPHELD,
            resolved_at__gte=since,
            resolved_at__lt=until,
        )
        .order_by()
        .values("office_id")
        .annotate(n=Count("id"))
    )
    return {row["office_id"]: row["n"] for row in rows}


def service_satisfaction(service_id: int) -> ServiceSatisfaction | None:
    return ServiceSatisfaction.objects.filter(service_id=service_id).first()


def complaint_queue(
    user: Any,
    *,
    status: str = "",
    province_id: int | None = None,
    kind: str = "",
    office_id: int | None = None,
) -> QuerySet[Complaint]:
    """The complaints ``user`` may see, oldest open first, filtered."""
    rows = Complaint.objects.visible_to(user).select_related(
        "office", "province", "request__service"
    )
    if status in ComplaintStatus.values:
        rows = rows.filter(status=status)
    if kind in ComplaintKind.values:
        rows = rows.filter(kind=kind)
    if province_id is not None:
        rows = rows.filter(province_id=province_id)
    if office_id is not None:
        rows = rows.filter(office_id=office_id)
    return rows.order_by("created_at", "pk") if status == ComplaintStatus.OPEN else rows
