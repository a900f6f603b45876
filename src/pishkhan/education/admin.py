"""Education in the admin: records are imported (``pishkhan import-students``), certificates are
issued and revoked on their requests' pages (one audited step): here everything is read-only."""

from __future__ import annotations

from django.contrib import admin

from pishkhan.core.admin import ReadOnlyAdmin

from .models import AcademicRecord, Certificate, Student, Teacher


@admin.register(Student)
class StudentAdmin(ReadOnlyAdmin):
    list_display = ["national_code", "last_name", "first_name", "birth_date", "school_name"]
    search_fields = ["national_code", "last_name", "parent_national_code"]


@admin.register(AcademicRecord)
class AcademicRecordAdmin(ReadOnlyAdmin):
    list_display = ["student", "year", "level", "field_of_study", "gpa"]
    list_filter = ["level", "year"]
    search_fields = ["student__national_code"]
    list_select_related = ["student"]
    raw_id_fields = ["student"]


@admin.register(Teacher)
class TeacherAdmin(ReadOnlyAdmin):
    list_display = ["national_code", "personnel_code", "last_name", "first_name", "post"]
    search_fields = ["national_code", "personnel_code", "last_name"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["verification_code", "kind", "holder_name", "status", "issued_at"]
    list_filter = ["kind", "status"]
    search_fields = ["verification_code", "holder_national_code", "request__tracking_code"]
    raw_id_fields = ["request", "student", "teacher", "issued_by", "revoked_by"]
