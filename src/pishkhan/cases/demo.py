"""Demo requests in every state, across the demo offices and both channels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from pishkhan.accounts.identity import citizen_for
from pishkhan.accounts.models import IdentityRecord, User
from pishkhan.accounts.roles import Role
from pishkhan.catalog.models import Channel, FieldKind, Service
from pishkhan.core.demo import back_dated, demo_national_code
from pishkhan.core.files import check_upload
from pishkhan.core.jalali import format_jalali_numeric
from pishkhan.offices.models import Office

from .models import ServiceRequest
from .services import Upload, submit, transition

# A tiny valid PDF, so demo requests carry their mandatory documents.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]"
    b"/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

PATHS: dict[str, list[str]] = {
    "submitted": [],
    "in_review": ["start_review"],
    "needs_info": ["start_review", "ask_info"],
    "resubmitted": ["start_review", "ask_info", "resubmit"],
    "approved": ["start_review", "approve"],
    "rejected": ["start_review", "reject"],
    "delivered": ["start_review", "approve", "deliver"],
    "cancelled": ["cancel"],
}
COMMENTS = {
    "ask_info": "تصویر صفحه دوم شناسنامه خوانا نیست؛ لطفاً دوباره بارگذاری کنید.",
    "reject": "مدارک ارائه‌شده با اطلاعات ثبت احوال مطابقت ندارد.",
}
# (key, state, channel, office licence or None, service code, citizen seed, days ago)
DEMO_REQUESTS = [
    *[
        (
            f"demo-office-{state}",
            state,
            Channel.OFFICE,
            "23-1001",
            "nocr-birth-certificate-duplicate",
            1,
            days,
        )
        for state, days in zip(PATHS, (1, 3, 6, 8, 12, 15, 20, 2), strict=True)
    ],
    *[
        (
            f"demo-online-{state}",
            state,
            Channel.ONLINE,
            None,
            "nocr-single-status-certificate",
            1,
            days,
        )
        for state, days in zip(PATHS, (0, 2, 4, 9, 10, 11, 14, 1), strict=True)
    ],
    (
        "demo-office2-submitted",
        "submitted",
        Channel.OFFICE,
        "23-1002",
        "nocr-single-status-certificate",
        11,
        9,
    ),
    ("demo-isfahan-water", "in_review", Channel.OFFICE, "10-2001", "abfa-water-connection", 2, 3),
    ("demo-shiraz-gas", "submitted", Channel.OFFICE, "07-3001", "gas-meter-test", 3, 1),
]


def sample_values(service: Service, citizen: User) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in service.fields.all():
        if spec.kind == FieldKind.TEXT:
            values[spec.key] = "نمونه"
        elif spec.kind == FieldKind.NUMBER:
            values[spec.key] = str(max(spec.min_value or 1, 1))
        elif spec.kind == FieldKind.JALALI_DATE:
            values[spec.key] = format_jalali_numeric(timezone.localdate() - dt.timedelta(days=40))
        elif spec.kind == FieldKind.CHOICE:
            values[spec.key] = spec.choices[0]["value"]
        elif spec.kind == FieldKind.NATIONAL_CODE:
            values[spec.key] = demo_national_code(2)
        elif spec.kind == FieldKind.MOBILE:
            values[spec.key] = citizen.mobile or "09121000001"
        elif spec.kind == FieldKind.POSTAL_CODE:
            values[spec.key] = "1991612345"
    return values


def demo_uploads(service: Service) -> list[Upload]:
    uploads = []
    for document in service.documents.filter(is_mandatory=True):
        file = SimpleUploadedFile(f"document-{document.pk}.pdf", DEMO_PDF, "application/pdf")
        file.checked = check_upload(file, file.name, file.size, 10_000_000)  # type: ignore[attr-defined]
        uploads.append(Upload(document.pk, file))
    return uploads


# How a demo request's fees are paid before a step that requires it (delivering): the payments
# app, a higher layer, registers its way (payments.demo.settle) when it starts.
SETTLERS: list[Callable[[ServiceRequest], None]] = []


def advance(request: ServiceRequest, action: str, comment: str = "") -> ServiceRequest:
    """One demo step, taken by whoever takes it; paid for first when the step requires it."""
    step = request.definition.find(request.status, action)
    if step is not None and step.requires_payment:
        for settle in SETTLERS:
            settle(request)
    return transition(request.pk, action, actor_for(action, request), comment=comment)


def actor_for(action: str, request: ServiceRequest) -> User:
    if action in ("start_review", "ask_info", "approve", "reject", "deliver"):
        role = (
            Role.ASSESSMENT_OFFICER if request.agency.code == "moe-sanjesh" else Role.AGENCY_OFFICER
        )
        officer = User.objects.filter(
            role=role, agency=request.agency, province=request.province
        ).first()
        return officer or User.objects.get(username="officer-nocr-tehran")
    if request.channel == Channel.OFFICE:
        return User.objects.filter(office=request.office).order_by("role").first()  # type: ignore[return-value]
    return request.citizen


def load(stdout: object) -> list[tuple[str, str, str]]:
    for key, state, channel, licence, code, seed, days_ago in DEMO_REQUESTS:
        if ServiceRequest.objects.filter(idempotency_key=key).exists():
            continue
        record = IdentityRecord.objects.get(national_code=demo_national_code(seed))
        citizen = citizen_for(record.national_code, record.mobile)
        service = Service.objects.get(code=code)
        office = Office.objects.get(licence_number=licence) if licence else None
        filer = (
            User.objects.filter(office=office, role=Role.OFFICE_OPERATOR).first()
            if office
            else citizen
        )
        # Spread the demo over the last weeks, so queues show overdue and on-time requests: each
        # request is filed in the past and its steps follow a day apart (closer when it is
        # recent), so its filing, timeline and decision-due day agree.
        now = timezone.now()
        submitted = now - dt.timedelta(days=days_ago, hours=seed)
        steps = PATHS[state]
        gap = min(dt.timedelta(days=1), (now - submitted) / (len(steps) + 1))
        with back_dated(submitted):
            request, _ = submit(
                service=service,
                citizen=citizen,
                channel=channel,
                actor=filer or citizen,
                office=office,
                form_values=sample_values(service, citizen),
                uploads=demo_uploads(service),
                idempotency_key=key,
            )
        for number, action in enumerate(steps, 1):
            with back_dated(submitted + gap * number):
                request = advance(request, action, COMMENTS.get(action, ""))
    return []
