"""The office API (docs/api.md, "The office API"): an office's own counter software files a
request for the citizen at its counter and records the fee received — what its operators do on
/office/, through the same checks (the identity registry, the service's declared form, the
office's offering, licence and rank, the fee cap) and the same audit trail, which names the
client's service account. The citizen is at the counter, as with a person at the desk: the
registry's match of national code and mobile is the identification, as on the page."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pishkhan.accounts.roles import OFFICE_ROLES
from pishkhan.cases.forms import IdentifyCitizenForm, ServiceRequestForm
from pishkhan.cases.models import DataAccess, ServiceRequest
from pishkhan.cases.selectors import get_visible
from pishkhan.cases.services import (
    RequestError,
    Upload,
    check_office_can_file,
    identify_at_counter,
    submit,
)
from pishkhan.catalog.filing import service_for_filing
from pishkhan.catalog.models import Channel
from pishkhan.core.i18n import active_language
from pishkhan.offices.models import OfficeService
from pishkhan.payments.models import Invoice
from pishkhan.payments.services import PaymentError, record_counter_payment

from . import serializers as s
from .agency import WEBHOOK_STATUS_SCHEMA, Refused, webhook_status
from .auth import ApiClientAuthentication
from .models import ApiClient
from .views import ERRORS, KnownParameters, RateLimited

# A refused counter payment, by the payment rule's code: the input field it is about.
PAYMENT_FIELDS = {"method": "method", "reference": "reference", "amount": "amount_rials"}
SERVICE_CODE = re.compile(r"[-a-zA-Z0-9_]{1,80}")
AUTH_ERRORS = {
    401: OpenApiResponse(s.ErrorSerializer, description="No token, or not a valid one."),
    403: OpenApiResponse(s.ErrorSerializer, description="The client is not an office's system."),
}
NOT_OURS = OpenApiResponse(
    s.ErrorSerializer, description="No request of this office has this tracking code."
)


class IsOfficeSystem(BasePermission):
    """A client whose service account is an office's staff; its scope is that office."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, ApiClient):
            raise exceptions.NotAuthenticated(
                _("This address needs an API client's token: Authorization: Bearer <token>.")
            )
        if request.user.role not in OFFICE_ROLES or not request.user.office_id:
            raise exceptions.PermissionDenied(_("This client is not an office's system."))
        return True


class OfficeSystemView(KnownParameters, APIView):
    authentication_classes = [ApiClientAuthentication]
    permission_classes = [IsOfficeSystem]


def _ours(request: Request, tracking_code: str) -> ServiceRequest:
    try:
        return get_visible(request.user, tracking_code, via=DataAccess.Via.API)
    except Http404:
        raise exceptions.NotFound(_("No request of this office has this tracking code.")) from None


def _filed(item: ServiceRequest) -> dict[str, Any]:
    site = settings.PISHKHAN_SITE_URL
    invoice = Invoice.objects.filter(request=item).first()
    return {
        "tracking_code": item.tracking_code,
        "service": {
            "code": item.service.code,
            "name_fa": item.service.name_fa,
            "name_en": item.service.name_en,
        },
        "state": item.status,
        "state_label": item.definition.state_label(item.status, active_language()),
        "version": item.version,
        "submitted_at": item.submitted_at,
        "fee_lines": item.fee_lines,
        "fee_total_rials": item.fee_total_rials,
        "invoice": None
        if invoice is None
        else {
            "status": invoice.status,
            "total_rials": invoice.total_rials,
            "paid_rials": invoice.paid_rials,
            "paid_at": invoice.paid_at,
            "verification_code": invoice.verification_code,
            "verify_url": f"{site}/verify/{invoice.verification_code}/",
        },
        "page_url": f"{site}/office/requests/{item.tracking_code}/",
        "receipt_url": f"{site}/office/requests/{item.tracking_code}/receipt/",
    }


class Filing(OfficeSystemView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["office"],
        summary="File a request for the citizen at the office's counter",
        description=(
            "A form body (multipart when documents are sent): `service` (its code), the "
            "citizen's `national_code` and `mobile` (checked against the identity registry), "
            "`idempotency_key` (a repeat returns the first request, 200), the service's declared "
            "fields as `field_<key>` and its documents as `document_<id>` (see "
            "`/api/v1/services/{code}/`). Every refusal names its field."
        ),
        request={"multipart/form-data": s.OfficeFilingSerializer},
        responses={
            201: s.OfficeRequestSerializer,
            200: OpenApiResponse(s.OfficeRequestSerializer, description="A repeated key."),
            400: ERRORS[400],
            409: OpenApiResponse(s.ErrorSerializer, description="The office may not file it."),
            429: OpenApiResponse(
                s.ErrorSerializer,
                description="The office asked the identity registry too often this minute "
                "(PISHKHAN_IDENTIFY_PER_MINUTE, shared with its counter's page).",
            ),
            **AUTH_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        user = request.user
        data, files = request.POST, request.FILES
        identity = IdentifyCitizenForm(data=data)
        errors: dict[str, Any] = {} if identity.is_valid() else dict(identity.errors)
        code = str(data.get("service", "")).strip()
        service = service_for_filing(code) if SERVICE_CODE.fullmatch(code) else None
        offering = None
        if service is None:
            errors["service"] = [_("No active service has this code.")]
        else:
            offering = (
                OfficeService.objects.select_related("office")
                .filter(office_id=user.office_id, service_id=service.pk)
                .first()
            )
            if offering is None:
                errors["service"] = [_("This office does not offer this service.")]
        if errors:
            raise exceptions.ValidationError(errors)
        assert service is not None and offering is not None
        try:
            # Before the identity-registry inquiry, which an office that cannot file must not
            # make (its office row came with the offering: no query).
            check_office_can_file(offering.office)
        except RequestError as exc:
            raise Refused(409, exc.code, str(exc.message)) from exc
        form = ServiceRequestForm(service, data=data, files=files)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {("non_field_errors" if k == "__all__" else k): v for k, v in form.errors.items()}
            )
        try:
            citizen = identify_at_counter(
                user,
                identity.cleaned_data["national_code"],
                identity.cleaned_data["mobile"],
                via=DataAccess.Via.API,
            )
        except RequestError as exc:
            if exc.code == "rate_limited":
                raise RateLimited(str(exc.message)) from exc
            raise exceptions.ValidationError({"mobile": [str(exc.message)]}) from None
        try:
            filed, is_new = submit(
                service=service,
                citizen=citizen,
                channel=Channel.OFFICE,
                actor=user,
                office=offering.office,
                offering=offering,
                form_values=form.form_values(),
                uploads=[Upload(doc.pk if doc else None, f) for doc, f in form.uploads()],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except RequestError as exc:
            raise Refused(409, exc.code, str(exc.message)) from exc
        item = ServiceRequest.objects.select_related("service", "workflow").get(pk=filed.pk)
        return Response(
            s.OfficeRequestSerializer(_filed(item)).data,
            status=status.HTTP_201_CREATED if is_new else status.HTTP_200_OK,
        )


class RequestState(OfficeSystemView):
    @extend_schema(
        tags=["office"],
        summary="A request the office filed: its state, fees and invoice",
        responses={
            200: s.OfficeRequestSerializer,
            400: ERRORS[400],
            404: NOT_OURS,
            **AUTH_ERRORS,
        },
    )
    def get(self, request: Request, tracking_code: str) -> Response:
        return Response(s.OfficeRequestSerializer(_filed(_ours(request, tracking_code))).data)


class CounterPayment(OfficeSystemView):
    @extend_schema(
        tags=["office"],
        summary="Record the fee received at the counter (cash, or a card reader's slip)",
        description=(
            "`amount_rials` must be exactly what is due; `reference` is the POS slip's number "
            "(required for `pos`). Then the receipt can be printed from `receipt_url`."
        ),
        request=s.CounterPaymentSerializer,
        responses={
            200: s.OfficeRequestSerializer,
            400: ERRORS[400],
            404: NOT_OURS,
            409: OpenApiResponse(s.ErrorSerializer, description="Nothing is due, or not this."),
            **AUTH_ERRORS,
        },
    )
    def post(self, request: Request, tracking_code: str) -> Response:
        item = _ours(request, tracking_code)
        body = s.CounterPaymentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invoice = Invoice.objects.filter(request=item).first()
        if invoice is None:
            raise Refused(409, "no_invoice", _("Nothing is due for this request."))
        try:
            record_counter_payment(
                invoice.pk,
                actor=request.user,
                method=body.validated_data["method"],
                amount_rials=body.validated_data["amount_rials"],
                reference=body.validated_data.get("reference", ""),
            )
        except PaymentError as exc:
            if exc.code in PAYMENT_FIELDS:
                raise exceptions.ValidationError(
                    {PAYMENT_FIELDS[exc.code]: [str(exc.message)]}
                ) from exc
            raise Refused(409, exc.code, str(exc.message)) from exc
        return Response(s.OfficeRequestSerializer(_filed(_ours(request, tracking_code))).data)


class WebhookStatus(OfficeSystemView):
    @extend_schema(
        tags=["office"],
        **{
            **WEBHOOK_STATUS_SCHEMA,
            "responses": {**WEBHOOK_STATUS_SCHEMA["responses"], **AUTH_ERRORS},
        },
    )
    def get(self, request: Request) -> Response:
        return webhook_status(request)
