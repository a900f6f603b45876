"""Service requests (درخواست): the case a citizen or an office files, and its attachments."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pishkhan.accounts.models import Scope
from pishkhan.accounts.roles import Role
from pishkhan.catalog.models import Channel
from pishkhan.core.i18n import active_language
from pishkhan.workflow.models import WorkflowDefinition


class ServiceRequestQuerySet(models.QuerySet["ServiceRequest"]):
    def visible_to(self, user: Any) -> ServiceRequestQuerySet:
        """The only way any page, export or API reads requests. Outside the scope: not found."""
        scope = Scope.of(user)
        if scope.role == Role.NATIONAL_ADMIN or getattr(user, "is_superuser", False):
            return self.all()
        if scope.role == Role.REGULATOR:
            return self.all()  # read-only: the regulator acts on offices, not on requests
        if scope.role == Role.CITIZEN:
            return self.filter(citizen_id=scope.user_id)
        if scope.role in (Role.OFFICE_OPERATOR, Role.OFFICE_MANAGER) and scope.office_id:
            return self.filter(office_id=scope.office_id)
        if scope.role in (Role.AGENCY_OFFICER, Role.ASSESSMENT_OFFICER) and scope.agency_id:
            mine = self.filter(Q(agency_id=scope.agency_id) | Q(agency__parent_id=scope.agency_id))
            return mine.filter(province_id=scope.province_id) if scope.province_id else mine
        if scope.role == Role.AGENCY_ADMIN and scope.agency_id:
            return self.filter(Q(agency_id=scope.agency_id) | Q(agency__parent_id=scope.agency_id))
        if scope.role == Role.PROVINCIAL_SUPERVISOR and scope.province_id:
            return self.filter(province_id=scope.province_id)
        return self.none()


class ServiceRequest(models.Model):
    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("service"),
    )
    # Denormalised from the service and the filing place: every queue and scope filters on them.
    agency = models.ForeignKey(
        "catalog.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    province = models.ForeignKey(
        "core.Province", on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="service_requests",
        verbose_name=_("citizen"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    office = models.ForeignKey(
        "offices.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("office"),
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("operator"),
    )
    workflow = models.ForeignKey(
        "workflow.WorkflowDefinition",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("workflow"),
    )
    status = models.CharField(_("status"), max_length=40, db_index=True)
    form_data = models.JSONField(_("form data"), default=dict)
    # The fee lines in force at submission, never recomputed: what the receipt shows.
    fee_lines = models.JSONField(_("fee lines"), default=list)
    fee_total_rials = models.BigIntegerField(_("total (Rials)"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    sla_due_on = models.DateField(_("decision due"), db_index=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # One click makes one request: a retried POST carries the same key and finds this row.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Bumped by every change; a form carries it, so an edit made meanwhile is detected.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        indexes = [
            models.Index(fields=["agency", "province", "status", "sla_due_on"], name="queue"),
            models.Index(fields=["office", "submitted_at"], name="office_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel=Channel.ONLINE, office__isnull=True)
                | Q(channel=Channel.OFFICE, office__isnull=False),
                name="office_channel_has_office",
            )
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def definition(self) -> Any:
        loaded = self._state.fields_cache.get("workflow")
        return WorkflowDefinition.parsed_by_id(self.workflow_id, loaded)

    @property
    def status_label(self) -> str:
        return str(self.definition.state_label(self.status, active_language()))

    @property
    def is_final(self) -> bool:
        return self.status in self.definition.final


_SUFFIXES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def attachment_path(attachment: Attachment, filename: str) -> str:
    """Where a request's document is stored: a random name under the month.

    The name the citizen's file had stays in ``original_name`` (downloads are given it), not in
    the storage, where it could hold personal details. A random name is free at once: Django's
    storage no longer finds the upload's usual name ("scan.pdf") taken and draws a suffix per
    file (a dozen system calls for its randomness, and another look at the disk or S3).
    """
    suffix = _SUFFIXES.get(attachment.content_type, "")
    return f"attachments/{timezone.localdate():%Y/%m}/{secrets.token_hex(16)}{suffix}"


class Attachment(models.Model):
    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    document = models.ForeignKey(
        "catalog.RequiredDocument", on_delete=models.PROTECT, related_name="+", null=True
    )
    file = models.FileField(upload_to=attachment_path)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class DataAccess(models.Model):
    """Someone other than the citizen saw the citizen's data: opened one of their requests (its
    form, documents and contact details), a document of it, or the identity registry's answer
    at a counter. The citizen reads these in the portal ("who has seen my data", as Estonia's
    data tracker shows its people); the actor is kept for an inquiry. Not hash-chained like the
    audit log: reads are many, and nothing here changes what a request is (decision 42)."""

    class Kind(models.TextChoices):
        REQUEST = "request", _("opened your request")
        DOCUMENT = "document", _("opened a document of your request")
        IDENTITY = "identity", _("checked your identity with the registry at a counter")

    class Via(models.TextChoices):
        PAGE = "page", _("on the platform's pages")
        API = "api", _("through the organisation's system (API)")

    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("citizen"),
    )
    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("request"),
    )
    kind = models.CharField(_("what was seen"), max_length=10, choices=Kind.choices)
    via = models.CharField(_("through"), max_length=4, choices=Via.choices, default=Via.PAGE)
    # Who, as the citizen is shown it: the role and the organisation (office, or agency and
    # province). The person is kept for an inquiry, by id: accounts are never shown here.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_role = models.CharField(_("role"), max_length=32)
    office = models.ForeignKey(
        "offices.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("office"),
    )
    agency = models.ForeignKey(
        "catalog.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agency"),
    )
    province = models.ForeignKey(
        "core.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("access to a citizen's data")
        verbose_name_plural = _("accesses to citizens' data")
        indexes = [
            models.Index(fields=["citizen", "-at"], name="data_access_citizen"),
            models.Index(fields=["actor", "-at"], name="data_access_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.citizen_id} {self.at:%Y-%m-%d %H:%M}"

    @property
    def role_label(self) -> str:
        if self.actor_role in Role.values:
            return str(Role(self.actor_role).label)
        return str(_("the platform's administrators"))
