"""Certificates: the academic-record verification (تاییدیه تحصیلی) and the teacher's employment
certificate, issued from the ministry's records on a request, printed as an A4 PDF with a signed
QR code, and checked by anyone at ``/verify/<code>/``.

Who may ask: the student for themselves, or a parent for a minor child whose records name that
parent; a serving teacher for their own employment certificate. Both are requests like any other
(``cases``), so the same service is filed online or at an office and the office fee applies only
there. The academic request waits for an Assessment Center officer (submitted → checking →
issued | rejected; issued → revoked); the employment certificate is issued on filing, because
its facts come straight from the ministry's personnel records with nothing to judge.

What a certificate certifies is copied into ``Certificate.data`` when it is issued: a later
re-import of the records never changes a certificate already on paper. docs/education.md
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pishkhan.accounts.identity import ADULT_AGE, age_on
from pishkhan.accounts.models import User
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.services import RequestError
from pishkhan.payments import signing
from pishkhan.payments.receipts import TOKEN_PARAMETER, TokenCheck, TokenResult, qr_data_uri

from .models import (
    AcademicRecord,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Level,
    Student,
    Teacher,
)

# The catalogue's two services whose requests end in a certificate (catalog/data/catalogue.json).
ACADEMIC_SERVICE = "moe-sanjesh-academic-verification"
EMPLOYMENT_SERVICE = "moe-teacher-employment-certificate"
# The form field naming the student when a parent files for a minor child (empty: oneself).
STUDENT_FIELD = "student_national_code"
PAYLOAD_VERSION = 1

# The request form's level -> the record levels it certifies. Pre-university (the old system's
# last year) was folded into upper secondary by the 6-3-3 reform; its records are kept as upper
# secondary, so a request for it certifies those.
REQUESTED_LEVELS: dict[str, tuple[str, ...]] = {
    "primary": (Level.PRIMARY,),
    "lower_secondary": (Level.LOWER_SECONDARY,),
    "upper_secondary": (Level.UPPER_SECONDARY,),
    "pre_university": (Level.UPPER_SECONDARY,),
}


# --- who the certificate is about ----------------------------------------------------------------


def student_for(citizen: User, form_data: dict[str, Any]) -> Student:
    """The student a verification request is about: the citizen, or their minor child.

    One refusal for "no such student" and "not your child", so the form cannot be used to learn
    whose records exist."""
    wanted = str(form_data.get(STUDENT_FIELD) or "").strip() or citizen.national_code
    student = Student.objects.filter(national_code=wanted).first()
    if wanted != citizen.national_code:
        is_parent = (
            student is not None
            and student.parent_national_code == citizen.national_code
            and age_on(student.birth_date, timezone.localdate()) < ADULT_AGE
        )
        if not is_parent:
            raise RequestError(
                "not_parent",
                _(
                    "A request for another person's records can be filed only by the parent "
                    "of a minor student, as the ministry's records name them."
                ),
            )
    if student is None:
        raise RequestError(
            "no_records",
            _(
                "The Ministry of Education has no academic records for this national code, so "
                "no certificate can be issued."
            ),
        )
    return student


def records_for(student: Student, requested_level: str) -> list[AcademicRecord]:
    levels = REQUESTED_LEVELS.get(requested_level)
    records = list(student.records.filter(level__in=levels).order_by("year")) if levels else []
    if not records:
        raise RequestError(
            "no_records",
            _(
                "The ministry's records hold no academic year of the level asked for for this "
                "student, so no certificate can be issued."
            ),
        )
    return records


def teacher_for(citizen: User) -> Teacher:
    teacher = Teacher.objects.filter(national_code=citizen.national_code).first()
    if teacher is None or (teacher.left_on and teacher.left_on <= timezone.localdate()):
        raise RequestError(
            "not_teacher",
            _(
                "The ministry's personnel records do not show you as serving staff, so no "
                "employment certificate can be issued. Ask your education office to correct "
                "the record."
            ),
        )
    return teacher


def check_request(service_request: ServiceRequest) -> None:
    """Refuse at filing what could never be issued (called in the submission's transaction)."""
    code = service_request.service.code
    if code == ACADEMIC_SERVICE:
        student = student_for(service_request.citizen, service_request.form_data)
        records_for(student, str(service_request.form_data.get("level", "")))
    elif code == EMPLOYMENT_SERVICE:
        teacher_for(service_request.citizen)


# --- issuing and revoking ---------------------------------------------------------------------


def _two_decimals(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def academic_data(student: Student, records: list[AcademicRecord], level: str) -> dict[str, Any]:
    gpas = [record.gpa for record in records if record.gpa is not None]
    diploma = next((r for r in reversed(records) if r.diploma_number), None)
    return {
        "birth_date": student.birth_date.isoformat(),
        "level": level,
        "records": [
            {
                "year": record.year,
                "level": record.level,
                "field_of_study": record.field_of_study,
                "school": record.school_name,
                "gpa": _two_decimals(record.gpa) if record.gpa is not None else "",
            }
            for record in records
        ],
        "gpa": _two_decimals(sum(gpas, Decimal(0)) / len(gpas)) if gpas else "",
        "diploma_number": diploma.diploma_number if diploma else "",
        "diploma_date": diploma.diploma_date.isoformat()
        if diploma and diploma.diploma_date
        else "",
    }


def employment_data(teacher: Teacher, form_data: dict[str, Any]) -> dict[str, Any]:
    return {
        "personnel_code": teacher.personnel_code,
        "post": teacher.post,
        "workplace": teacher.workplace,
        "employed_on": teacher.employed_on.isoformat(),
        "language": str(form_data.get("language") or "fa"),
    }


def issue(service_request: ServiceRequest, actor: User | None) -> Certificate:
    """The certificate of a request, from the records as they are now (in the caller's
    transaction: the request's state change and its certificate commit together)."""
    form = service_request.form_data
    common = {
        "request": service_request,
        "purpose": str(form.get("purpose", "")),
        "recipient": str(form.get("recipient_name", "")),
        "issued_at": timezone.now(),
        "issued_by": actor,
    }
    if service_request.service.code == ACADEMIC_SERVICE:
        level = str(form.get("level", ""))
        student = student_for(service_request.citizen, form)
        records = records_for(student, level)
        return Certificate.objects.create(
            kind=CertificateKind.ACADEMIC,
            student=student,
            holder_name=f"{student.first_name} {student.last_name}",
            holder_national_code=student.national_code,
            data=academic_data(student, records, level),
            **common,
        )
    teacher = teacher_for(service_request.citizen)
    return Certificate.objects.create(
        kind=CertificateKind.EMPLOYMENT,
        teacher=teacher,
        holder_name=f"{teacher.first_name} {teacher.last_name}",
        holder_national_code=teacher.national_code,
        data=employment_data(teacher, form),
        **common,
    )


def revoke(service_request: ServiceRequest, actor: User | None, reason: str) -> Certificate:
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(request=service_request)
        certificate.status = CertificateStatus.REVOKED
        certificate.revoked_at = timezone.now()
        certificate.revoked_by = actor
        certificate.revocation_reason = reason
        certificate.save(update_fields=["status", "revoked_at", "revoked_by", "revocation_reason"])
    return certificate


def certificate_for_code(code: str) -> Certificate | None:
    return (
        Certificate.objects.select_related("request__service__agency", "request__office")
        .filter(verification_code=code)
        .first()
    )


# --- the signed payload -----------------------------------------------------------------------


def data_digest(certificate: Certificate) -> str:
    """SHA-256 (first 16 bytes, hex) of what is certified: binds every printed figure."""
    return hashlib.sha256(signing.canonical_bytes(certificate.data)).hexdigest()[:32]


def claims(certificate: Certificate) -> dict[str, Any]:
    """What the QR code vouches for, small enough for a QR code a phone reads off paper.

    v: payload version · k: kind · c: verification code · n: holder's name · m: masked national
    code · s: summary (academic: level, first and last year, GPA, diploma number; employment:
    personnel code, post, employed on) · d: digest of all certified data · i: issued at (Unix
    seconds). A revocation is not in the payload: paper cannot change, the page says it."""
    data = certificate.data
    if certificate.kind == CertificateKind.ACADEMIC:
        years = [row["year"] for row in data.get("records", [])]
        summary: list[Any] = [
            data.get("level", ""),
            min(years) if years else None,
            max(years) if years else None,
            data.get("gpa", ""),
            data.get("diploma_number", ""),
        ]
    else:
        summary = [data.get("personnel_code", ""), data.get("post", ""), data.get("employed_on")]
    return {
        "v": PAYLOAD_VERSION,
        "k": certificate.kind,
        "c": certificate.verification_code,
        "n": certificate.holder_name,
        "m": certificate.masked_national_code,
        "s": summary,
        "d": data_digest(certificate),
        "i": int(certificate.issued_at.timestamp()),
    }


def signed_token(certificate: Certificate) -> str:
    return signing.sign_payload(claims(certificate))


def check_token(certificate: Certificate, token: str) -> TokenResult:
    """Whether a QR code's token is this platform's and names this certificate as recorded."""
    if not token:
        return TokenResult(TokenCheck.ABSENT)
    try:
        payload = signing.verify_published(token)
    except signing.InvalidToken:
        return TokenResult(TokenCheck.INVALID)
    if payload != claims(certificate):
        return TokenResult(TokenCheck.MISMATCH)
    return TokenResult(TokenCheck.VALID, issued_at=certificate.issued_at)


def verification_path(certificate: Certificate, token: str | None = None) -> str:
    path = reverse("payments:verify", args=[certificate.verification_code])
    return f"{path}?{TOKEN_PARAMETER}={token}" if token else path


@dataclass(frozen=True)
class PrintedCertificate:
    certificate: Certificate
    token: str
    verify_url: str
    qr: str

    @property
    def verification_code_grouped(self) -> str:
        code = self.certificate.verification_code
        return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def printed(http_request: HttpRequest, certificate: Certificate) -> PrintedCertificate:
    token = signed_token(certificate)
    url = http_request.build_absolute_uri(verification_path(certificate, token))
    return PrintedCertificate(
        certificate=certificate, token=token, verify_url=url, qr=qr_data_uri(url)
    )
