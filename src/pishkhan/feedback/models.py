"""Complaints (شکایت) about counter offices and satisfaction ratings (رضایت‌سنجی) of requests.

A complaint is a citizen's report about the office that filed one of their requests, decided by
the regulator: upheld or dismissed (with a reason). A rating is the citizen's 1–5 score of a
delivered request, given once. Both feed the regulator's six-monthly ranking of offices
(``licensing.ranking``, through the hook feedback registers in ``apps.ready``); ratings also keep
the office's running average on the office row and the service's in ``ServiceSatisfaction``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pishkhan.accounts.models import Scope
from pishkhan.accounts.roles import Role

MAX_TEXT = 2000
MAX_COMMENT = 1000


class ComplaintKind(models.TextChoices):
    OVERCHARGE = "overcharge", _("Overcharge")
    MISCONDUCT = "misconduct", _("Misconduct")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Awaiting review")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class ComplaintQuerySet(models.QuerySet["Complaint"]):
    def visible_to(self, user: Any) -> ComplaintQuerySet:
        """The regulator (and the national administrator) see every complaint; a citizen their
        own; an office manager the office's orders to give money back; anyone else none."""
        scope = Scope.of(user)
        if getattr(user, "is_superuser", False) or scope.role in (
            Role.REGULATOR,
            Role.NATIONAL_ADMIN,
        ):
            return self.all()
        if scope.role == Role.CITIZEN and scope.user_id:
            return self.filter(citizen_id=scope.user_id)
        if scope.role == Role.OFFICE_MANAGER and scope.office_id:
            # An office sees what it has been ordered to give back, to do it and say so; the
            # complaints themselves stay between the citizen and the regulator (decision 49).
            return self.filter(office_id=scope.office_id, repay_rials__isnull=False)
        return self.none()


class Complaint(models.Model):
    request = models.ForeignKey(
        "cases.ServiceRequest",
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("request"),
    )
    office = models.ForeignKey(
        "offices.Office",
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("office"),
    )
    # The office's province, copied: the regulator's queue filters by it without a join.
    province = models.ForeignKey(
        "core.Province", on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("citizen"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ComplaintKind.choices)
    text = models.TextField(_("what happened"), max_length=MAX_TEXT)
    # Overcharges only: what the citizen says the office took in all, beside the official total.
    amount_claimed_rials = models.PositiveBigIntegerField(
        _("amount charged (Rials)"), null=True, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.OPEN,
        db_index=True,
    )
    resolution_reason = models.TextField(_("reason"), blank=True, max_length=MAX_TEXT)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # An upheld overcharge: what the office must give back to the citizen (the money was taken
    # outside the invoice, so the office returns it), and when the return was recorded.
    repay_rials = models.PositiveBigIntegerField(
        _("to be returned to the citizen (Rials)"), null=True, blank=True
    )
    repaid_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    repaid_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("return recorded by"),
    )
    created_at = models.DateTimeField(_("filed at"), default=timezone.now, db_index=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            # The ranking's and the overcharge flag's count of upheld complaints per office.
            models.Index(
                fields=["office", "status", "kind", "resolved_at"], name="feedback_office_upheld"
            ),
            models.Index(
                fields=["status", "province", "created_at"], name="feedback_complaint_queue"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind"],
                condition=Q(status="open"),
                name="one_open_complaint_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(status="open", resolved_at__isnull=True, resolved_by__isnull=True)
                | (~Q(status="open") & Q(resolved_at__isnull=False, resolved_by__isnull=False)),
                name="complaint_resolved_once",
            ),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(resolution_reason=""),
                name="dismissal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(amount_claimed_rials__isnull=True)
                | Q(kind="overcharge", amount_claimed_rials__gt=0),
                name="amount_only_for_overcharge",
            ),
            models.CheckConstraint(
                condition=Q(repay_rials__isnull=True)
                | Q(kind="overcharge", status="upheld", repay_rials__gt=0),
                name="repay_only_for_upheld_overcharge",
            ),
            models.CheckConstraint(
                condition=Q(repaid_at__isnull=True, repaid_recorded_by__isnull=True)
                | Q(repay_rials__isnull=False, repaid_at__isnull=False),
                name="repaid_only_what_is_owed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.request_id}"

    @property
    def is_open(self) -> bool:
        return self.status == ComplaintStatus.OPEN

    @property
    def official_total_rials(self) -> int:
        return self.request.fee_total_rials

    @property
    def owes_repayment(self) -> bool:
        return self.repay_rials is not None and self.repaid_at is None

    @property
    def excess_rials(self) -> int | None:
        """How much more than the official total the citizen says they paid."""
        if self.amount_claimed_rials is None:
            return None
        return self.amount_claimed_rials - self.request.fee_total_rials


class Rating(models.Model):
    request = models.OneToOneField(
        "cases.ServiceRequest",
        on_delete=models.PROTECT,
        related_name="rating",
        verbose_name=_("request"),
    )
    # Copied from the request: the averages per office, service, agency and province read them.
    office = models.ForeignKey(
        "offices.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ratings",
        verbose_name=_("office"),
    )
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    agency = models.ForeignKey(
        "catalog.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    province = models.ForeignKey(
        "core.Province", on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True, max_length=MAX_COMMENT)
    created_at = models.DateTimeField(_("rated at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        indexes = [
            models.Index(fields=["office", "created_at"], name="feedback_rating_office"),
            models.Index(fields=["service", "created_at"], name="feedback_rating_service"),
            models.Index(fields=["agency", "created_at"], name="feedback_rating_agency"),
            models.Index(fields=["province", "created_at"], name="feedback_rating_province"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.score}"


class ServiceSatisfaction(models.Model):
    """The running total of a service's ratings, kept in each rating's transaction, so the
    public service page reads one row instead of averaging every rating."""

    service = models.OneToOneField(
        "catalog.Service",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("service"),
    )
    ratings_sum = models.PositiveBigIntegerField(default=0)
    ratings_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("service satisfaction")
        verbose_name_plural = _("service satisfaction")

    def __str__(self) -> str:
        return f"{self.service_id}: {self.ratings_count}"

    @property
    def average(self) -> float | None:
        return round(self.ratings_sum / self.ratings_count, 1) if self.ratings_count else None
