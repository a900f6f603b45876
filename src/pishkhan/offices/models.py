"""The office registry: licensed counter offices (دفاتر پیشخوان).

This is the registry's core; licensing, offered services and office fees build on it.
"""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pishkhan.catalog.fees import fee_in_force
from pishkhan.catalog.models import FeeKind
from pishkhan.core.i18n import active_language
from pishkhan.core.money import format_rials
from pishkhan.core.validators import validate_legal_entity_id, validate_postal_code


class OfficeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class OfficeKind(models.TextChoices):
    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")


class OfficeQuerySet(models.QuerySet["Office"]):
    def active(self) -> OfficeQuerySet:
        return self.filter(status=OfficeStatus.ACTIVE)


class Office(models.Model):
    licence_number = models.CharField(_("licence number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(
        _("type"), max_length=10, choices=OfficeKind.choices, default=OfficeKind.URBAN
    )
    province = models.ForeignKey(
        "core.Province",
        on_delete=models.PROTECT,
        related_name="offices",
        verbose_name=_("province"),
    )
    county = models.ForeignKey(
        "core.County", on_delete=models.PROTECT, related_name="offices", verbose_name=_("county")
    )
    address = models.CharField(_("address"), max_length=300)
    postal_code = models.CharField(
        _("postal code"), max_length=10, validators=[validate_postal_code]
    )
    phone = models.CharField(_("phone"), max_length=20)
    status = models.CharField(
        _("status"), max_length=12, choices=OfficeStatus.choices, default=OfficeStatus.ACTIVE
    )
    opening_hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    # Who runs the office: a company (legal-entity ID) or, for rural offices, a person.
    operator_kind = models.CharField(
        _("operated by"),
        max_length=10,
        choices=[("company", _("Company")), ("person", _("Person (rural offices)"))],
        default="company",
    )
    operator_name = models.CharField(_("operator's name"), max_length=160, blank=True)
    legal_entity_id = models.CharField(
        _("legal-entity ID"), max_length=11, blank=True, validators=[validate_legal_entity_id]
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    # Set by the regulator's six-monthly ranking (licensing.ranking); empty until the office is
    # first ranked, and then no share limit applies.
    rank = models.PositiveSmallIntegerField(
        _("rank"), null=True, blank=True, choices=[(1, "1"), (2, "2"), (3, "3")]
    )
    insured_staff = models.PositiveSmallIntegerField(_("insured staff"), default=0)
    # Citizens' satisfaction ratings of the office's requests (1–5), and the overcharge flag:
    # written only by the feedback app, in the transaction of each rating or complaint decision
    # (docs/feedback.md); kept here so the finder and the regulator's lists read no other table.
    satisfaction_count = models.PositiveIntegerField(_("ratings"), default=0, editable=False)
    satisfaction_sum = models.PositiveBigIntegerField(
        _("sum of ratings"), default=0, editable=False
    )
    satisfaction_average = models.DecimalField(
        _("average rating"), max_digits=3, decimal_places=2, null=True, editable=False
    )
    overcharge_flag_until = models.DateField(
        _("flagged for repeated overcharges until"), null=True, editable=False
    )
    # The licence's life cycle (suspend, reinstate, renew, expire, revoke) is a workflow like a
    # request's (licensing.services); an office made outside the licensing flow (the demo, an
    # import) is pinned to the current version at its first step.
    workflow = models.ForeignKey(
        "workflow.WorkflowDefinition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("licence workflow"),
    )
    version = models.PositiveIntegerField(_("version"), default=0)

    objects = OfficeQuerySet.as_manager()

    class Meta:
        ordering = ["province__name_fa", "name"]
        verbose_name = _("counter office")
        verbose_name_plural = _("counter offices")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        # The province is the county's; kept on the row because every scope filters by it.
        self.province_id = self.county.province_id
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def can_file_requests(self) -> bool:
        return self.status == OfficeStatus.ACTIVE


class OfficeService(models.Model):
    """A service an office offers, and the office's own fee for it (never above the cap)."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="offerings", verbose_name=_("office")
    )
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    office_fee_rials = models.BigIntegerField(_("office fee (Rials)"))

    class Meta:
        verbose_name = _("service offered")
        verbose_name_plural = _("services offered")
        constraints = [
            models.UniqueConstraint(fields=["office", "service"], name="office_service_unique"),
            models.CheckConstraint(
                condition=models.Q(office_fee_rials__gte=0), name="office_fee_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office} — {self.service}"

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        """The fee column's own bound (a 64-bit integer) says nothing the cap does not say
        better: a fee above it is refused by ``clean`` as above the cap, in the UI's words and
        digits, instead of "at most 9223372036854775807"."""
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = dict(exc.error_dict)
            kept = [e for e in errors.pop("office_fee_rials", []) if e.code != "max_value"]
            if kept:
                errors["office_fee_rials"] = kept
            if errors:
                raise ValidationError(errors) from None

    def clean(self) -> None:
        """An office offers only services offered at offices, never above today's cap.

        The cap is the regulator's office-fee cap in force today. A cap lowered later does not
        rewrite this row; a request filed then is charged at most the cap in force on its day
        (``cases.services.fee_lines_for``).
        """
        if self.service_id is None:
            return
        if not self.service.offered_at_office:
            raise ValidationError(
                {
                    "service": ValidationError(
                        _("This service is not offered at counter offices."), code="not_at_offices"
                    )
                }
            )
        fee = self.office_fee_rials
        if fee is None:
            return
        if fee < 0:
            raise ValidationError(
                {
                    "office_fee_rials": ValidationError(
                        _("The office fee cannot be negative."), code="negative"
                    )
                }
            )
        cap = fee_in_force(self.service, FeeKind.OFFICE_CAP, timezone.localdate())
        if fee > cap:
            raise ValidationError(
                {
                    "office_fee_rials": ValidationError(
                        _("The office fee may not be above the cap of %(cap)s."),
                        code="above_cap",
                        params={"cap": format_rials(cap, active_language())},
                    )
                }
            )
