"""Reference data every domain shares: provinces, counties and the working-day calendar."""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .i18n import active_language
from .jalali import format_jalali_date


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
    # Cities (شهر) in the county, from the divisions data: the weight by which the province's
    # population is apportioned to its counties (docs/licensing.md).
    city_count = models.PositiveSmallIntegerField(_("number of cities"), default=0)

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
        return f"{format_jalali_date(self.date, active_language())}: {self.title}"


# The audit log. Rows are written only by ``pishkhan.core.audit`` (see docs/audit.md) and never
# changed: the model refuses it here, and on PostgreSQL a trigger refuses it in the database too.

_Row = TypeVar("_Row", bound=models.Model)


class AppendOnlyError(Exception):
    """An attempt to change or remove a row of the append-only audit log."""


class AppendOnlyQuerySet(models.QuerySet[_Row]):
    """Bulk ``update()`` and ``delete()`` skip ``Model.save``/``delete``, so refuse them as well."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: update() refused")

    def delete(self) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: delete() refused")


class AppendOnlyModel(models.Model):
    """A row that is inserted once and never updated or deleted through the ORM."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A loaded row (not ``adding``) would be written back with UPDATE: refuse, whatever
        # changed. A new row is always an INSERT, even with a primary key set by hand.
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only: update refused")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only: delete refused")


class AuditEvent(AppendOnlyModel):
    """One thing that happened to one subject (a service request, an office, a licence...).

    Each event carries the hash of the previous event of the same subject, so the chain of one
    subject can be checked on its own and writers of different subjects never wait for each other.
    ``actor_id`` is a plain number, not a foreign key: core sits below accounts, and the log must
    outlive the users it names. The (subject, sequence) constraint's index also serves the
    "last event of this subject" and timeline reads.
    """

    subject_type = models.CharField(_("subject type"), max_length=40)
    subject_id = models.CharField(_("subject ID"), max_length=40)
    sequence = models.PositiveIntegerField(_("sequence"))
    actor_id = models.PositiveBigIntegerField(_("actor ID"), null=True, blank=True)
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    actor_role = models.CharField(_("actor role"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from state"), max_length=40, blank=True)
    to_state = models.CharField(_("to state"), max_length=40, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("recorded at"))
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "sequence"],
                name="audit_event_subject_sequence_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_type} {self.subject_id} #{self.sequence}: {self.action}"


class AuditCheckpoint(AppendOnlyModel):
    """Closes every event with an id in ``first_event_id..last_event_id`` into one log-wide chain.

    Its hash covers the previous checkpoint's hash and the covered events' hashes in id order, so
    removing the newest event of a subject — which no per-subject link notices — breaks it.
    """

    created_at = models.DateTimeField(_("made at"))
    first_event_id = models.BigIntegerField(_("first event ID"))
    last_event_id = models.BigIntegerField(_("last event ID"))
    event_count = models.PositiveIntegerField(_("number of events"))
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return f"checkpoint {self.pk}: events {self.first_event_id}..{self.last_event_id}"


class StaleCacheKey(models.Model):
    """A shared-cache key whose delete or overwrite Redis refused (decision 61): the database
    changed, the cache may still hold the old copy. ``core.outage`` deletes these keys from the
    cache when Redis answers again, before the process reads from it, and a worker does the same
    every minute; the row goes once the key is gone."""

    key = models.CharField(_("cache key"), max_length=250)
    created_at = models.DateTimeField(_("noted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stale cache key")
        verbose_name_plural = _("stale cache keys")

    def __str__(self) -> str:
        return self.key
