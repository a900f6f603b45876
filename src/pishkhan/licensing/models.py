"""Office licensing: applications, licences and each county's capacity."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pishkhan.accounts.models import Scope
from pishkhan.accounts.roles import Role
from pishkhan.core.i18n import active_language
from pishkhan.core.jalali import format_jalali_date
from pishkhan.core.text import digits_for_language
from pishkhan.core.validators import (
    validate_legal_entity_id,
    validate_mobile,
    validate_national_code,
    validate_postal_code,
)
from pishkhan.offices.models import OfficeKind


class OperatorKind(models.TextChoices):
    COMPANY = "company", _("Company")
    PERSON = "person", _("Person (rural offices)")


class ApplicationQuerySet(models.QuerySet["LicenceApplication"]):
    def visible_to(self, user: Any) -> ApplicationQuerySet:
        scope = Scope.of(user)
        if scope.role in (Role.REGULATOR, Role.NATIONAL_ADMIN) or getattr(
            user, "is_superuser", False
        ):
            return self.all()
        if scope.role in (Role.PROVINCIAL_ICT, Role.WORKING_GROUP, Role.PROVINCIAL_SUPERVISOR):
            return self.filter(county__province_id=scope.province_id)
        if scope.role == Role.CITIZEN:
            return self.filter(applicant_id=scope.user_id)
        return self.none()


class LicenceApplication(models.Model):
    """An application for a counter-office licence, reviewed by the province and decided by the
    regulator on the licence workflow."""

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="licence_applications",
        verbose_name=_("applicant"),
    )
    office_name = models.CharField(_("proposed office name"), max_length=160)
    kind = models.CharField(_("type"), max_length=10, choices=OfficeKind.choices)
    operator_kind = models.CharField(_("operated by"), max_length=10, choices=OperatorKind.choices)
    legal_entity_id = models.CharField(
        _("legal-entity ID"), max_length=11, blank=True, validators=[validate_legal_entity_id]
    )
    company_name = models.CharField(_("company name"), max_length=160, blank=True)
    manager_national_code = models.CharField(
        _("manager's national code"), max_length=10, validators=[validate_national_code]
    )
    manager_mobile = models.CharField(
        _("manager's mobile"), max_length=11, validators=[validate_mobile]
    )
    county = models.ForeignKey("core.County", on_delete=models.PROTECT, verbose_name=_("county"))
    address = models.CharField(_("address"), max_length=300)
    postal_code = models.CharField(
        _("postal code"), max_length=10, validators=[validate_postal_code]
    )
    phone = models.CharField(_("phone"), max_length=20)
    workflow = models.ForeignKey(
        "workflow.WorkflowDefinition",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("workflow"),
    )
    status = models.CharField(_("status"), max_length=40, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    office = models.OneToOneField(
        "offices.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
        verbose_name=_("office"),
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("licence application")
        verbose_name_plural = _("licence applications")
        constraints = [
            models.CheckConstraint(
                condition=Q(operator_kind=OperatorKind.PERSON) | ~Q(legal_entity_id=""),
                name="company_has_legal_entity_id",
            )
        ]

    def __str__(self) -> str:
        return self.office_name

    @property
    def status_label(self) -> str:
        from pishkhan.core.i18n import active_language

        return str(self.workflow.parsed.state_label(self.status, active_language()))


class ApplicationDocument(models.Model):
    application = models.ForeignKey(
        LicenceApplication, on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField(max_length=120)
    file = models.FileField(upload_to="licensing/%Y/%m/")
    content_type = models.CharField(max_length=40)
    valid_until = models.DateField(null=True, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class Licence(models.Model):
    """The licence of an office: issued, renewed (a new row), suspended or revoked on the office."""

    office = models.ForeignKey(
        "offices.Office",
        on_delete=models.PROTECT,
        related_name="licences",
        verbose_name=_("office"),
    )
    number = models.CharField(_("licence number"), max_length=20)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-expires_on"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")

    def __str__(self) -> str:
        return self.number


class CountyCapacity(models.Model):
    """How many active offices a county may have, from a date, as decided by the province's
    working group. Effective-dated: a decision never rewrites the past."""

    county = models.ForeignKey(
        "core.County", on_delete=models.PROTECT, related_name="capacities", verbose_name=_("county")
    )
    capacity = models.PositiveIntegerField(_("capacity"))
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("decision note"), max_length=300)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["county", "-effective_from"]
        verbose_name = _("county capacity")
        verbose_name_plural = _("county capacities")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "effective_from"], name="capacity_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.county}: {digits_for_language(self.capacity, active_language())}"


def capacity_on(county_id: int, on: dt.date) -> int | None:
    """The capacity in force for a county on a date; None when the working group set none."""
    row = (
        CountyCapacity.objects.filter(county_id=county_id, effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("capacity", flat=True)
        .first()
    )
    return row


class Suspension(models.Model):
    """A licence suspended by the regulator, with its reason and period; lifted by the daily task
    at its end or by the regulator before."""

    office = models.ForeignKey(
        "offices.Office",
        on_delete=models.PROTECT,
        related_name="suspensions",
        verbose_name=_("office"),
    )
    reason = models.CharField(_("reason"), max_length=300)
    starts_on = models.DateField(_("from"))
    until = models.DateField(_("until"))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")

    def __str__(self) -> str:
        language = active_language()
        return gettext("%(office)s, %(start)s to %(end)s") % {
            "office": self.office,
            "start": format_jalali_date(self.starts_on, language),
            "end": format_jalali_date(self.until, language),
        }


class RankingRun(models.Model):
    """One six-monthly ranking of all active offices."""

    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    run_at = models.DateTimeField(_("run at"), auto_now_add=True)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("run by"),
    )

    class Meta:
        ordering = ["-run_at"]
        verbose_name = _("ranking")
        verbose_name_plural = _("rankings")

    def __str__(self) -> str:
        language = active_language()
        return gettext("%(start)s to %(end)s") % {
            "start": format_jalali_date(self.period_start, language),
            "end": format_jalali_date(self.period_end, language),
        }


class OfficeRank(models.Model):
    run = models.ForeignKey(RankingRun, on_delete=models.CASCADE, related_name="ranks")
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="ranks")
    score = models.DecimalField(max_digits=6, decimal_places=4)
    rank = models.PositiveSmallIntegerField()
    inputs = models.JSONField(default=dict)

    class Meta:
        ordering = ["run", "office__province__name_fa", "-score"]
        constraints = [models.UniqueConstraint(fields=["run", "office"], name="one_rank_per_run")]

    def __str__(self) -> str:
        return f"{self.office}: {self.rank}"
