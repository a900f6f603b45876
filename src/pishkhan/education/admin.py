"""Education in the admin: records are imported (``pishkhan import-students``), certificates are
issued and revoked on their requests' pages (one audited step): here everything is read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AcademicRecord, Certificate, Student, Teacher


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Student)
class StudentAdmin(_ReadOnly):
    list_display = ["national_code", "last_name", "first_name", "birth_date", "school_name"]
    search_fields = ["national_code", "last_name", "parent_national_code"]


@admin.register(AcademicRecord)
class AcademicRecordAdmin(_ReadOnly):
    list_display = ["student", "year", "level", "field_of_study", "gpa"]
    list_filter = ["level", "year"]
    search_fields = ["student__national_code"]
    list_select_related = ["student"]
    raw_id_fields = ["student"]


@admin.register(Teacher)
class TeacherAdmin(_ReadOnly):
    list_display = ["national_code", "personnel_code", "last_name", "first_name", "post"]
    search_fields = ["national_code", "personnel_code", "last_name"]


@admin.register(Certificate)
class CertificateAdmin(_ReadOnly):
    list_display = ["verification_code", "kind", "holder_name", "status", "issued_at"]
    list_filter = ["kind", "status"]
    search_fields = ["verification_code", "holder_national_code", "request__tracking_code"]
    raw_id_fields = ["request", "student", "teacher", "issued_by", "revoked_by"]
