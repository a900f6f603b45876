"""Education on other apps' pages: the student's and teacher's part of the portal, a request's
certificate, and the records an Assessment Center officer checks; and the labels of the values
certificates store (ISO dates, level and purpose codes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pishkhan.accounts.roles import Role
from pishkhan.cases.services import RequestError
from pishkhan.core.i18n import active_language
from pishkhan.core.templatetags.persian import fa_digits, jdate

from .. import certificates
from ..models import Certificate, Level, Student, Teacher

register = template.Library()

# The request form's values (catalogue.json), for certificates and their pages.
REQUESTED_LEVEL_LABELS = {
    **{level.value: level.label for level in Level},
    "pre_university": _("Pre-university"),
}
PURPOSE_LABELS = {
    "university": _("University admission"),
    "employment": _("Employment"),
    "abroad": _("For use abroad"),
    "bank_loan": _("Bank loan"),
    "education": _("Further study"),
    "embassy": _("For an embassy"),
    "other": _("Other"),
}


@register.filter
def level_label(value: str) -> str:
    return str(REQUESTED_LEVEL_LABELS.get(value, value))


@register.filter
def purpose_label(value: str) -> str:
    return str(PURPOSE_LABELS.get(value, value))


@register.filter
def grade(value: object) -> str:
    """A grade or GPA as written in the page's language: ۱۸٫۵۰ in Persian, 18.50 in English."""
    if value in (None, ""):
        return "—"
    text = str(value)
    return fa_digits(text.replace(".", "٫")) if active_language() == "fa" else text


@register.filter
def iso_jdate(value: str) -> str:
    """A stored ISO date (``1996-07-02``) as a Jalali date in the page's language."""
    if not value:
        return ""
    try:
        return jdate(dt.date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


@register.inclusion_tag("education/_request_certificate.html", takes_context=True)
def request_certificate(context: dict[str, Any], req: Any) -> dict[str, Any]:
    """A request's certificate (valid or revoked) with its print, PDF and verification links;
    for an Assessment Center officer, the student's records to check the request against."""
    user = context.get("user")
    code = req.service.code
    if code not in (certificates.ACADEMIC_SERVICE, certificates.EMPLOYMENT_SERVICE):
        return {"show": False}
    certificate = Certificate.objects.filter(request_id=req.pk).first()
    records_check: dict[str, Any] | None = None
    role = getattr(user, "role", None)
    if code == certificates.ACADEMIC_SERVICE and role in (
        Role.ASSESSMENT_OFFICER,
        Role.AGENCY_ADMIN,
        Role.NATIONAL_ADMIN,
    ):
        records_check = _records_check(req)
    return {"show": True, "req": req, "certificate": certificate, "records_check": records_check}


def _records_check(req: Any) -> dict[str, Any]:
    try:
        student = certificates.student_for(req.citizen, req.form_data)
        records = certificates.records_for(student, str(req.form_data.get("level", "")))
    except RequestError as exc:
        return {"error": exc.message}
    return {"student": student, "records": records}


@register.inclusion_tag("education/_profile.html", takes_context=True)
def education_profile(context: dict[str, Any]) -> dict[str, Any]:
    """The portal's education part: the citizen's own records and their minor children's, their
    employment record if they are a teacher, and every certificate issued on their requests."""
    user = context["user"]
    code = user.national_code
    students = list(Student.objects.filter(national_code=code).prefetch_related("records")) + [
        child
        for child in Student.objects.filter(parent_national_code=code)
        .exclude(national_code=code)
        .prefetch_related("records")
        if certificates.age_on(child.birth_date, timezone.localdate()) < certificates.ADULT_AGE
    ]
    teacher = Teacher.objects.filter(national_code=code).first()
    issued = list(
        Certificate.objects.filter(request__citizen=user).select_related("request__service")
    )
    return {
        "user": user,
        "students": students,
        "teacher": teacher,
        "teacher_serving": teacher is not None
        and not (teacher.left_on and teacher.left_on <= timezone.localdate()),
        "certificates": issued,
        "academic_service": certificates.ACADEMIC_SERVICE,
        "employment_service": certificates.EMPLOYMENT_SERVICE,
    }
