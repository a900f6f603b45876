"""The service catalogue: agencies, their services, forms, documents, effective-dated fees and
the effective-dated VAT rate on office fees."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pishkhan.core.i18n import active_language
from pishkhan.core.jalali import format_jalali_date
from pishkhan.core.money import format_rials
from pishkhan.core.text import digits_for_language, search_key


class Channel(models.TextChoices):
    OFFICE = "office", _("At a counter office")
    ONLINE = "online", _("Online self-service")


class Agency(models.Model):
    """دستگاه اجرایی: a government body that owns and decides requests for its services."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_fa = models.CharField(_("Persian name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("parent agency"),
    )
    description_fa = models.TextField(_("Persian description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_fa"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name_fa

    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        # The agency's names are part of each service's search text.
        for service in self.services.all():
            Service.objects.filter(pk=service.pk).update(search_text=service.build_search_text())


class ServiceQuerySet(models.QuerySet["Service"]):
    def active(self) -> ServiceQuerySet:
        return self.filter(is_active=True, agency__is_active=True)

    def search(self, query: str) -> ServiceQuerySet:
        """Services whose folded text contains every folded term of the query."""
        from pishkhan.core.text import search_terms

        result = self
        for term in search_terms(query):
            result = result.filter(search_text__contains=term)
        return result

    def editable_by(self, user: object) -> ServiceQuerySet:
        """Which services a user may edit: the national administrator all, an agency's
        administrator only the agency's own (and its units')."""
        from pishkhan.accounts.roles import Role

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if getattr(user, "is_superuser", False) or user.role == Role.NATIONAL_ADMIN:  # type: ignore[attr-defined]
            return self
        if user.role == Role.AGENCY_ADMIN and user.agency_id:  # type: ignore[attr-defined]
            return self.filter(_of_agency(user.agency_id))  # type: ignore[attr-defined]
        return self.none()

    def of_agency_and_others(self, agency_id: int) -> tuple[ServiceQuerySet, ServiceQuerySet]:
        """The agency's own services (and its units'), and every other agency's: whose workflows
        its administrator may read and publish (workflow.models, decision 58)."""
        return self.filter(_of_agency(agency_id)), self.exclude(_of_agency(agency_id))


def _of_agency(agency_id: int) -> Q:
    return Q(agency_id=agency_id) | Q(agency__parent_id=agency_id)


class Service(models.Model):
    """خدمت: one e-service of one agency, offered at offices, online, or both."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="services", verbose_name=_("agency")
    )
    code = models.SlugField(_("code"), max_length=80, unique=True)
    seed_number = models.PositiveSmallIntegerField(
        _("number in the seed list"), null=True, blank=True, editable=False
    )
    name_fa = models.CharField(_("Persian name"), max_length=160)
    name_en = models.CharField(_("English name"), max_length=160)
    description_fa = models.TextField(_("Persian description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    offered_at_office = models.BooleanField(_("offered at counter offices"), default=True)
    offered_online = models.BooleanField(_("offered online"), default=True)
    sla_working_days = models.PositiveSmallIntegerField(
        _("service level (working days)"),
        help_text=_("How many working days the agency has to decide a request."),
    )
    government_fee_assessed = models.BooleanField(
        _("government fee assessed per case"),
        default=False,
        help_text=_(
            "The agency works out the amount inside the request (e.g. a vehicle's tolls); "
            "the catalogue then shows it as assessed, not as free."
        ),
    )
    workflow_key = models.SlugField(_("workflow"), max_length=60, default="default")
    is_active = models.BooleanField(_("active"), default=True)
    # Folded name, description and code of the service and its agency, kept by save(), so
    # search is a plain indexed-table scan that treats ي/ی, digits and ZWNJ alike.
    search_text = models.TextField(editable=False, default="")

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["agency__name_fa", "name_fa"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(
                condition=Q(offered_at_office=True) | Q(offered_online=True),
                name="service_has_a_channel",
            )
        ]

    def __str__(self) -> str:
        return self.name_fa

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_text = self.build_search_text()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        if not (self.offered_at_office or self.offered_online):
            raise ValidationError(_("A service must be offered on at least one channel."))

    def build_search_text(self) -> str:
        parts = [self.code, self.name_fa, self.name_en, self.description_fa, self.description_en]
        if self.agency_id:
            parts += [self.agency.name_fa, self.agency.name_en]
        return " | ".join(search_key(p) for p in parts if p)

    @property
    def channels(self) -> list[str]:
        return [
            channel
            for channel, offered in (
                (Channel.OFFICE, self.offered_at_office),
                (Channel.ONLINE, self.offered_online),
            )
            if offered
        ]

    @property
    def is_self_service_only(self) -> bool:
        return self.offered_online and not self.offered_at_office


class RequiredDocument(models.Model):
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="documents", verbose_name=_("service")
    )
    name_fa = models.CharField(_("Persian name"), max_length=160)
    name_en = models.CharField(_("English name"), max_length=160)
    is_mandatory = models.BooleanField(_("mandatory"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["service", "position", "id"]
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")

    def __str__(self) -> str:
        return self.name_fa


class FieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    JALALI_DATE = "jalali_date", _("Date (Jalali)")
    CHOICE = "choice", _("Choice")
    NATIONAL_CODE = "national_code", _("National code")
    MOBILE = "mobile", _("Mobile number")
    POSTAL_CODE = "postal_code", _("Postal code")
    FILE = "file", _("File")


class FormField(models.Model):
    """One field of a service's request form, from a small declared schema (see forms.py)."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="fields", verbose_name=_("service")
    )
    key = models.SlugField(_("key"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=FieldKind.choices)
    label_fa = models.CharField(_("Persian label"), max_length=160)
    label_en = models.CharField(_("English label"), max_length=160)
    help_fa = models.CharField(_("Persian help text"), max_length=300, blank=True)
    help_en = models.CharField(_("English help text"), max_length=300, blank=True)
    is_required = models.BooleanField(_("required"), default=True)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For choice fields: [{"value": "...", "label_fa": "...", "label_en": "..."}]'),
    )
    max_length = models.PositiveSmallIntegerField(_("maximum length"), null=True, blank=True)
    min_value = models.BigIntegerField(_("minimum"), null=True, blank=True)
    max_value = models.BigIntegerField(_("maximum"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["service", "position", "id"]
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        constraints = [
            models.UniqueConstraint(fields=["service", "key"], name="form_field_unique_key")
        ]

    def __str__(self) -> str:
        return self.label_fa

    def clean(self) -> None:
        if self.kind == FieldKind.CHOICE:
            if not isinstance(self.choices, list) or not self.choices:
                raise ValidationError({"choices": _("A choice field needs at least one choice.")})
            for choice in self.choices:
                if not isinstance(choice, dict) or not {"value", "label_fa"} <= set(choice):
                    raise ValidationError(
                        {"choices": _("Each choice needs a value and a Persian label.")}
                    )
        elif self.choices:
            raise ValidationError({"choices": _("Only choice fields have choices.")})
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            raise ValidationError({"max_value": _("The maximum is below the minimum.")})


class FeeKind(models.TextChoices):
    GOVERNMENT = "government", _("Government fee")
    OFFICE_CAP = "office_cap", _("Office-fee cap")


class FeeQuerySet(models.QuerySet["Fee"]):
    def in_force(self, on: dt.date) -> FeeQuerySet:
        return self.filter(effective_from__lte=on)


class Fee(models.Model):
    """One effective-dated fee of a service: from ``effective_from`` until the next row.

    Rows are never edited once in force: a change is a new row from a future date, so the
    past price of every request can always be read back.
    """

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="fees", verbose_name=_("service")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FeeKind.choices)
    amount_rials = models.BigIntegerField(_("amount (Rials)"))
    effective_from = models.DateField(_("effective from"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = FeeQuerySet.as_manager()

    class Meta:
        ordering = ["service", "kind", "-effective_from"]
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "kind", "effective_from"], name="fee_one_per_day"
            ),
            models.CheckConstraint(condition=Q(amount_rials__gte=0), name="fee_not_negative"),
        ]

    def __str__(self) -> str:
        # The admin's titles and messages: in its language, Rials and the day as its pages say.
        language = active_language()
        return gettext("%(service)s: %(kind)s, %(amount)s from %(day)s") % {
            "service": self.service.code,
            "kind": self.get_kind_display(),
            "amount": format_rials(self.amount_rials, language),
            "day": format_jalali_date(self.effective_from, language),
        }

    def is_in_force_or_past(self, today: dt.date | None = None) -> bool:
        return self.effective_from <= (today or timezone.localdate())


class VatRate(models.Model):
    """The VAT rate on office fees (مالیات بر ارزش افزوده), from ``effective_from`` until the next
    row. Like fees, a rate in force is never edited: a change is a new row from a future date
    (``catalog.services.set_vat_rate``), so every past price can be read back. Whole percent:
    Iran's rate has always been one (9 % until 1402, 10 % since)."""

    percent = models.PositiveSmallIntegerField(_("percent"), validators=[MaxValueValidator(100)])
    effective_from = models.DateField(_("effective from"), unique=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("VAT rate")
        verbose_name_plural = _("VAT rates")
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="vat_rate_at_most_100")
        ]

    def __str__(self) -> str:
        language = active_language()
        return gettext("%(percent)s%% from %(day)s") % {
            "percent": digits_for_language(self.percent, language),
            "day": format_jalali_date(self.effective_from, language),
        }

    def is_in_force_or_past(self, today: dt.date | None = None) -> bool:
        return self.effective_from <= (today or timezone.localdate())
