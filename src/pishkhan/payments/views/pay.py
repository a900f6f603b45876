"""Paying an invoice: at the counter (cash, POS) and online through a gateway.

Thin views over ``payments.services``: the counter's staff record what they received; the
citizen is sent to the gateway and comes back through the callback; the sandbox gateway's own
page stands in for a bank's.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from pishkhan.accounts.access import roles_required
from pishkhan.accounts.roles import OFFICE_ROLES, Role
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.selectors import get_visible

from ..errors import PaymentError
from ..forms import CounterPaymentForm
from ..gateways import CallbackRejected, GatewayError
from ..gateways.sandbox import decide
from ..models import Invoice, PaymentStatus, SandboxStatus, SandboxTransaction
from ..services import begin_online_payment, handle_callback, record_counter_payment

citizen_only = roles_required(Role.CITIZEN, login_url="cases:portal_login")
office_staff = roles_required(*OFFICE_ROLES)


def _invoice_of(service_request: ServiceRequest) -> Invoice:
    invoice = Invoice.objects.filter(request=service_request).first()
    if invoice is None:
        raise Http404
    return invoice


@citizen_only
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, tracking_code: str) -> HttpResponse:
    """The citizen pays an online request: what is due (GET), then off to the gateway (POST)."""
    service_request = get_visible(request.user, tracking_code)
    invoice = _invoice_of(service_request)
    back = reverse("cases:portal_request", args=[service_request.tracking_code])
    if request.method == "POST":
        callback = request.build_absolute_uri(
            reverse("payments:gateway_callback", args=[_gateway_name()])
        )
        try:
            _payment, start = begin_online_payment(
                invoice.pk,
                actor=request.user,
                callback_url=callback,
                request=request,  # type: ignore[arg-type]
            )
        except (PaymentError, GatewayError) as exc:
            messages.error(request, str(exc.message))
            return redirect(back)
        if start.method == "GET" and not start.params:
            return redirect(start.url)
        return render(request, "payments/to_gateway.html", {"start": start})
    return render(
        request,
        "payments/pay.html",
        {"req": service_request, "invoice": invoice, "back": back},
    )


def _gateway_name() -> str:
    return str(settings.PISHKHAN_PAYMENT_GATEWAY)


@csrf_exempt  # the gateway sends the payer's browser back from its own site
@require_http_methods(["GET", "POST"])
def gateway_callback(request: HttpRequest, gateway: str) -> HttpResponse:
    params = {**request.GET.dict(), **request.POST.dict()}
    try:
        payment = handle_callback(gateway, params)
    except CallbackRejected as exc:
        return render(request, "payments/callback_error.html", {"message": exc.message}, status=400)
    except PaymentError as exc:
        if exc.code == "unknown_gateway":
            raise Http404 from None
        return render(request, "payments/callback_error.html", {"message": exc.message}, status=400)
    if payment.status == PaymentStatus.PAID:
        messages.success(request, _("Paid. Thank you; the receipt is on the request's page."))
    elif payment.status == PaymentStatus.PENDING:
        messages.info(
            request,
            _(
                "The gateway has not confirmed the payment yet; this page will show it once it "
                "does."
            ),
        )
    elif payment.status == PaymentStatus.CANCELLED:
        messages.warning(request, _("The payment was cancelled; nothing was taken."))
    else:
        messages.error(
            request,
            _("The payment did not go through. If money was taken, the bank returns it."),
        )
    tracking_code = payment.invoice.request.tracking_code
    return redirect("cases:portal_request", tracking_code=tracking_code)


@require_http_methods(["GET", "POST"])
def sandbox_gateway(request: HttpRequest, authority: str) -> HttpResponse:
    """The sandbox gateway's payment page (in place of a bank's): pay or cancel."""
    record = SandboxTransaction.objects.filter(authority=authority[:64]).first()
    if record is None:
        raise Http404
    if request.method == "POST":
        target = decide(record.authority, pay=request.POST.get("decision") == "pay")
        if target is None:
            raise Http404
        return redirect(target)
    return render(
        request,
        "payments/sandbox_gateway.html",
        {"record": record, "decided": record.status != SandboxStatus.CREATED},
    )


@office_staff
@require_http_methods(["GET", "POST"])
def counter_pay(request: HttpRequest, tracking_code: str) -> HttpResponse:
    """The counter records the fee it received: cash, or a card reader with its slip's number."""
    service_request = get_visible(request.user, tracking_code)
    invoice = _invoice_of(service_request)
    back = reverse("cases:office_request", args=[service_request.tracking_code])
    form = CounterPaymentForm(
        data=request.POST or None, initial={"amount": invoice.due_rials or "", "method": "cash"}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                record_counter_payment(
                    invoice.pk,
                    actor=request.user,  # type: ignore[arg-type]
                    method=form.cleaned_data["method"],
                    amount_rials=form.cleaned_data["amount"],
                    reference=form.cleaned_data["reference"],
                )
            except PaymentError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The payment was recorded."))
                return redirect(back)
        status = 400
    return render(
        request,
        "payments/counter_pay.html",
        {"req": service_request, "invoice": invoice, "form": form, "back": back},
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("pay/callback/<str:gateway>/", gateway_callback, name="gateway_callback"),
    path("pay/<str:tracking_code>/", pay, name="pay"),
    path("sandbox-gateway/<str:authority>/", sandbox_gateway, name="sandbox_gateway"),
    path("counter/pay/<str:tracking_code>/", counter_pay, name="counter_pay"),
]
