"""Feedback demo: a few delivered requests rated by their citizens, one open overcharge complaint
and one upheld misconduct complaint, and one approved request waiting for delivery (delivering
it sends the rating link). Idempotent: requests are found by their idempotency keys, ratings by
their request, complaints by (request, kind)."""

from __future__ import annotations

from pishkhan.accounts.identity import citizen_for
from pishkhan.accounts.models import IdentityRecord, User
from pishkhan.accounts.roles import Role
from pishkhan.cases.demo import PATHS, advance, demo_uploads, sample_values
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.services import submit
from pishkhan.catalog.models import Channel, Service
from pishkhan.core.demo import demo_national_code
from pishkhan.offices.models import Office

from .models import Complaint, ComplaintKind, Rating
from .services import file_complaint, rate, resolve_complaint

# (idempotency key, state, office licence or None for online, service code, citizen seed)
DEMO_REQUESTS = [
    ("demo-feedback-1", "delivered", "23-1001", "nocr-birth-certificate-duplicate", 1),
    ("demo-feedback-2", "delivered", "23-1002", "nocr-single-status-certificate", 11),
    ("demo-feedback-3", "delivered", "23-1002", "nocr-single-status-certificate", 11),
    ("demo-feedback-4", "delivered", None, "nocr-single-status-certificate", 1),
    # Waiting for delivery at the counter: delivering it sends the citizen the rating link.
    ("demo-feedback-approved", "approved", "23-1001", "nocr-birth-certificate-duplicate", 11),
]
# (request key, score, comment)
DEMO_RATINGS = [
    ("demo-office-delivered", 5, "کارمند دفتر با حوصله راهنمایی کرد."),
    ("demo-online-delivered", 4, ""),
    ("demo-feedback-1", 4, "کمی در صف ماندم، ولی کار سریع انجام شد."),
    ("demo-feedback-2", 3, ""),
    ("demo-feedback-3", 2, "کارمند دفتر برخورد مناسبی نداشت."),
    ("demo-feedback-4", 5, ""),
]


def _request(key: str, state: str, licence: str | None, code: str, seed: int) -> ServiceRequest:
    existing = ServiceRequest.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    record = IdentityRecord.objects.get(national_code=demo_national_code(seed))
    citizen = citizen_for(record.national_code, record.mobile)
    service = Service.objects.get(code=code)
    office = Office.objects.get(licence_number=licence) if licence else None
    filer = (
        User.objects.filter(office=office, role=Role.OFFICE_OPERATOR).first() if office else None
    )
    request, _ = submit(
        service=service,
        citizen=citizen,
        channel=Channel.OFFICE if office else Channel.ONLINE,
        actor=filer or citizen,
        office=office,
        form_values=sample_values(service, citizen),
        uploads=demo_uploads(service),
        idempotency_key=key,
    )
    for action in PATHS[state]:
        request = advance(request, action)
    return request


def load(stdout: object) -> list[tuple[str, str, str]]:
    for key, state, licence, code, seed in DEMO_REQUESTS:
        _request(key, state, licence, code, seed)
    for key, score, comment in DEMO_RATINGS:
        request = ServiceRequest.objects.filter(idempotency_key=key).first()
        if request is not None and not Rating.objects.filter(request=request).exists():
            rate(request, score=score, comment=comment, via="demo")

    delivered = ServiceRequest.objects.get(idempotency_key="demo-office-delivered")
    if not Complaint.objects.filter(request=delivered, kind=ComplaintKind.OVERCHARGE).exists():
        file_complaint(
            delivered.citizen,
            delivered,
            kind=ComplaintKind.OVERCHARGE,
            text="دفتر بیش از مبلغ رسید از من گرفت و برای مابه‌التفاوت رسیدی نداد.",
            amount_claimed_rials=delivered.fee_total_rials + 500_000,
        )
    rude = ServiceRequest.objects.get(idempotency_key="demo-feedback-3")
    if not Complaint.objects.filter(request=rude, kind=ComplaintKind.MISCONDUCT).exists():
        complaint = file_complaint(
            rude.citizen,
            rude,
            kind=ComplaintKind.MISCONDUCT,
            text="کارمند دفتر با من بدرفتاری کرد و پاسخ سؤالم را نداد.",
        )
        resolve_complaint(
            complaint.pk,
            User.objects.get(username="regulator"),
            upheld=True,
            reason=(
                "با بررسی گزارش دفتر و تماس با شاکی، تخلف کارمند تأیید شد؛ به دفتر تذکر داده شد."
            ),
        )
    return []
