"""Student and teacher records as the ministry's student management system exports them.

A student is keyed by national code; an academic record by (student, academic year). Grades are
one JSON object per record, subject -> grade as a two-decimal string ("18.50"), so an import
writes one row per record and a re-import replaces the grades in place. docs/education.md
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pishkhan.core.models import County


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
