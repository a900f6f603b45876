"""The office registry: licensed counter offices (دفاتر پیشخوان).

This is the registry's core; licensing, offered services and office fees build on it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pishkhan.core.validators import validate_postal_code


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
