"""Reference data every domain shares: provinces, counties and the working-day calendar."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    """استان. Loaded from the shipped geography fixture (see docs/geography.md)."""

    sci_code = models.CharField(
        _("SCI code"), max_length=2, unique=True, help_text=_("Statistical Centre of Iran code")
    )
    iso_code = models.CharField(_("ISO 3166-2 code"), max_length=6, unique=True)
    name_fa = models.CharField(_("Persian name"), max_length=64, unique=True)
    name_en = models.CharField(_("English name"), max_length=64)
    population_2016 = models.PositiveIntegerField(_("population (2016 census)"))

    class Meta:
        ordering = ["name_fa"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" else self.name_fa


class County(models.Model):
    """شهرستان."""

    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="counties", verbose_name=_("province")
    )
    sci_code = models.CharField(_("SCI code"), max_length=8, unique=True)
    name_fa = models.CharField(_("Persian name"), max_length=64)

    class Meta:
        ordering = ["province__name_fa", "name_fa"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        constraints = [
            models.UniqueConstraint(fields=["province", "name_fa"], name="county_unique_name")
        ]

    def __str__(self) -> str:
        return self.name_fa

    @property
    def name(self) -> str:
        # The source data has Persian county names only; the English UI shows them as written.
        return self.name_fa


class CalendarOverride(models.Model):
    """An official closure, or a day the package marks as a holiday that is in fact worked.

    Wins over both the weekend and the ``holidays`` package (whose lunar dates after 2026 are
    estimates).
    """

    date = models.DateField(_("date"), unique=True)
    is_holiday = models.BooleanField(
        _("offices closed"), default=True, help_text=_("Untick to make a holiday a working day.")
    )
    title = models.CharField(_("title"), max_length=120)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")

    def __str__(self) -> str:
        return f"{self.date} {self.title}"
