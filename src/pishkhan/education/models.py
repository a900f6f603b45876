"""Student and teacher records as the ministry's student management system exports them.

A student is keyed by national code; an academic record by (student, academic year). Grades are
one JSON object per record, subject -> grade as a two-decimal string ("18.50"), so an import
writes one row per record and a re-import replaces the grades in place. docs/education.md
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pishkhan.core.models import County
from pishkhan.payments.models import new_verification_code


class Level(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary")


class Student(models.Model):
    national_code = models.CharField(_("national code"), max_length=10, unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("birth date"))
    parent_national_code = models.CharField(_("parent's national code"), max_length=10, blank=True)
    school_code = models.CharField(_("school code"), max_length=20, blank=True)
    school_name = models.CharField(_("school name"), max_length=200, blank=True)
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("student")
        verbose_name_plural = _("students")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.national_code})"


class AcademicRecord(models.Model):
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="records", verbose_name=_("student")
    )
    year = models.PositiveSmallIntegerField(
        _("academic year"), help_text=_("Jalali year the school year starts in, e.g. 1403")
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    field_of_study = models.CharField(_("field of study"), max_length=100, blank=True)
    school_code = models.CharField(_("school code"), max_length=20, blank=True)
    school_name = models.CharField(_("school name"), max_length=200, blank=True)
    grades = models.JSONField(_("grades"), default=dict, blank=True)
    gpa = models.DecimalField(_("GPA"), max_digits=4, decimal_places=2, null=True, blank=True)
    diploma_number = models.CharField(_("diploma number"), max_length=30, blank=True)
    diploma_date = models.DateField(_("diploma date"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["student", "-year"]
        verbose_name = _("academic record")
        verbose_name_plural = _("academic records")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "year"], name="education_record_student_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student.national_code} {self.year} {self.level}"


class Teacher(models.Model):
    national_code = models.CharField(_("national code"), max_length=10, unique=True)
    personnel_code = models.CharField(_("personnel code"), max_length=20, db_index=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    post = models.CharField(_("post"), max_length=100)
    workplace = models.CharField(_("school or office"), max_length=200)
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county"),
    )
    employed_on = models.DateField(_("employed on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.personnel_code})"


class CertificateKind(models.TextChoices):
    ACADEMIC = "academic", _("Academic-record verification")
    EMPLOYMENT = "employment", _("Employment certificate")


class CertificateStatus(models.TextChoices):
    VALID = "valid", pgettext_lazy("certificate", "Valid")
    # A certificate is annulled (ابطال), where a licence is revoked (لغو): its own word.
    REVOKED = "revoked", pgettext_lazy("certificate", "Revoked")


class Certificate(models.Model):
    """A certificate issued on a request: what it certifies is copied into ``data`` when it is
    issued, so a later re-import of the records never changes a certificate already on paper.
    Revoking keeps the row (the verification page must say "revoked", not "unknown")."""

    verification_code = models.CharField(
        _("verification code"),
        max_length=16,
        unique=True,
        default=new_verification_code,
        editable=False,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CertificateKind.choices)
    request = models.OneToOneField(
        "cases.ServiceRequest",
        on_delete=models.PROTECT,
        related_name="certificate",
        verbose_name=_("request"),
    )
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("student"),
    )
    teacher = models.ForeignKey(
        Teacher,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("teacher"),
    )
    holder_name = models.CharField(_("holder's name"), max_length=201)
    holder_national_code = models.CharField(_("holder's national code"), max_length=10)
    purpose = models.CharField(_("purpose"), max_length=40, blank=True)
    recipient = models.CharField(_("recipient"), max_length=150, blank=True)
    data = models.JSONField(_("certified data"), default=dict)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CertificateStatus.choices,
        default=CertificateStatus.VALID,
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="valid", revoked_at=None)
                | models.Q(status="revoked", revoked_at__isnull=False),
                name="education_certificate_revoked_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="academic", student__isnull=False)
                | models.Q(kind="employment", teacher__isnull=False),
                name="education_certificate_has_holder_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.verification_code}"

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID

    @property
    def masked_national_code(self) -> str:
        """What a verifier sees: enough to compare with an identity card, not to learn it."""
        code = self.holder_national_code
        return "*" * (len(code) - 4) + code[-4:] if len(code) > 4 else code
