"""Demo payments: some demo requests paid at the counter (cash, card reader) and online through
the sandbox gateway, and one request paid, then rejected and refunded by its service's rule.
Idempotent: a paid invoice is left as it is."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from pishkhan.accounts.identity import citizen_for
from pishkhan.accounts.models import IdentityRecord, User
from pishkhan.cases.demo import actor_for, demo_uploads, sample_values
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.services import submit, transition
from pishkhan.catalog.models import Channel, Service
from pishkhan.catalog.services import AGENCY_ADMIN_GROUP
from pishkhan.core.demo import demo_national_code
from pishkhan.offices.models import Office

from .gateways.sandbox import decide
from .models import Invoice, PaymentMethod
from .services import begin_online_payment, handle_callback, record_counter_payment

COUNTER = [
    ("demo-office-approved", PaymentMethod.CASH, ""),
    ("demo-office-delivered", PaymentMethod.POS, "514236987401"),
]
ONLINE = ["demo-online-approved", "demo-online-delivered"]
REFUNDED = "demo-payments-refunded"


def settle(request: ServiceRequest) -> None:
    """A demo request's fees, paid as its citizen would: cash at the filing office, or online
    through the sandbox gateway (cases.demo.SETTLERS calls this before delivering)."""
    invoice = Invoice.objects.filter(request_id=request.pk).select_related("request").first()
    if invoice is None:
        return
    if request.office_id is not None:
        known = {k: (m, r) for k, m, r in COUNTER}
        method, reference = known.get(request.idempotency_key or "", (PaymentMethod.CASH, ""))
        _counter(invoice, method, reference)
    elif settings.PISHKHAN_PAYMENT_GATEWAY == "sandbox":
        _online(invoice)


def _invoice(key: str) -> Invoice | None:
    return Invoice.objects.filter(request__idempotency_key=key).select_related("request").first()


def _pay_at_counter(key: str, method: str, reference: str) -> None:
    invoice = _invoice(key)
    if invoice is not None:
        _counter(invoice, method, reference)


def _counter(invoice: Invoice, method: str, reference: str) -> None:
    if not invoice.is_payable:
        return
    staff = User.objects.filter(office_id=invoice.office_id).order_by("role", "pk").first()
    assert staff is not None
    record_counter_payment(
        invoice.pk,
        actor=staff,
        method=method,
        amount_rials=invoice.total_rials,
        reference=reference,
    )


def _pay_online(key: str) -> None:
    invoice = _invoice(key)
    if invoice is not None:
        _online(invoice)


def _online(invoice: Invoice) -> None:
    """The whole sandbox flow: start, pay on the gateway's page, the signed callback."""
    if not invoice.is_payable:
        return
    callback = reverse("payments:gateway_callback", args=["sandbox"])
    payment, _start = begin_online_payment(
        invoice.pk,
        actor=invoice.request.citizen,
        callback_url=callback,
        request=None,  # type: ignore[arg-type]  (the sandbox does not read it)
    )
    target = decide(payment.authority, pay=True)
    assert target is not None
    token = parse_qs(urlparse(target).query)["token"][0]
    handle_callback("sandbox", {"token": token})


def _refunded_request() -> None:
    if ServiceRequest.objects.filter(idempotency_key=REFUNDED).exists():
        return
    record = IdentityRecord.objects.get(national_code=demo_national_code(1))
    citizen = citizen_for(record.national_code, record.mobile)
    office = Office.objects.get(licence_number="23-1001")
    operator = User.objects.filter(office=office, role="office_operator").order_by("pk").first()
    assert operator is not None
    service = Service.objects.get(code="nocr-birth-certificate-duplicate")
    request, _created = submit(
        service=service,
        citizen=citizen,
        channel=Channel.OFFICE,
        actor=operator,
        office=office,
        form_values=sample_values(service, citizen),
        uploads=demo_uploads(service),
        idempotency_key=REFUNDED,
    )
    _pay_at_counter(REFUNDED, PaymentMethod.CASH, "")
    for action, comment in (
        ("start_review", ""),
        ("reject", "مدارک ارائه‌شده با اطلاعات ثبت احوال مطابقت ندارد."),
    ):
        request = transition(request.pk, action, actor_for(action, request), comment=comment)


def _agency_admins_edit_refund_rules() -> None:
    group = Group.objects.filter(name=AGENCY_ADMIN_GROUP).first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="payments", content_type__model="refundrule"
            )
        )


def load(stdout: object) -> list[tuple[str, str, str]]:
    _agency_admins_edit_refund_rules()
    for key, method, reference in COUNTER:
        _pay_at_counter(key, method, reference)
    if settings.PISHKHAN_PAYMENT_GATEWAY == "sandbox":
        for key in ONLINE:
            _pay_online(key)
    _refunded_request()
    return []
