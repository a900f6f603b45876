"""The public API, version 1 (docs/api.md): the catalogue with its fees, public tracking and
the verification of receipts and certificates — what a page shows anyone without signing in,
for programs (an agency's or a university's system, a journalist counting fees).

It answers from the same selectors and rules as the pages, so the two cannot disagree: the
catalogue's active services and ``fee_schedule``, ``cases.selectors.track`` behind
``TrackForm``'s checks, ``receipt_for_code`` and ``certificate_for_code`` with their token checks,
and the pages' per-minute limits on look-ups.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import exceptions, generics
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pishkhan.cases import selectors as case_selectors
from pishkhan.cases.forms import TrackForm
from pishkhan.catalog.fees import fee_schedule
from pishkhan.catalog.models import Agency, Channel, Fee, Service
from pishkhan.core.i18n import active_language, list_separator
from pishkhan.core.ratelimit import over_rate_limit
from pishkhan.core.text import digits_for_language
from pishkhan.education.certificates import certificate_for_code
from pishkhan.education.certificates import check_token as check_certificate_token
from pishkhan.education.models import Certificate
from pishkhan.payments.receipts import (
    TOKEN_PARAMETER,
    Receipt,
    normalize_code,
    receipt_for_code,
)
from pishkhan.payments.receipts import check_token as check_receipt_token

from . import serializers as s

ERRORS = {
    400: OpenApiResponse(
        s.ErrorSerializer,
        description="Some input is not valid, or a query parameter the address does not take.",
    ),
    404: OpenApiResponse(s.ErrorSerializer, description="Not found."),
    429: OpenApiResponse(s.ErrorSerializer, description="Too many look-ups this minute."),
}


class RateLimited(exceptions.Throttled):
    """The pages' per-minute limit (core.ratelimit), said as the pages say it."""

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(
            detail=detail
            or _("Too many look-ups from your connection. Please wait a minute and try again.")
        )


class KnownParameters:
    """Refuses a query parameter the address does not take, naming it (decision 48): a
    ``?status=`` meant as ``state`` or a ``?page=`` meant as ``offset`` would otherwise be
    ignored, and the client would take the whole list for the filtered one. Checked after the
    token, so a client without one still hears 401 first."""

    query_parameters: tuple[str, ...] = ()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        unknown = [name for name in request.query_params if name not in self.query_parameters]
        if not unknown:
            return
        if self.query_parameters:
            message = _("This address has no such parameter; it takes: %(names)s.") % {
                "names": list_separator().join(self.query_parameters)
            }
        else:
            message = _("This address takes no parameters in its query string.")
        raise exceptions.ValidationError({name: [message] for name in unknown})


def schema_doc_excludes() -> list[type]:
    """drf-spectacular describes an operation by the first docstring among its view's classes
    (``GET_LIB_DOC_EXCLUDES``); it stops at KnownParameters too, whose docstring is for us: the
    catalogue's and other views without their own would otherwise show it on /api/docs/."""
    from drf_spectacular.plumbing import get_lib_doc_excludes

    return [*get_lib_doc_excludes(), KnownParameters]


PAGES = ("limit", "offset")


def _limit(request: Request, bucket: str, per_minute: int) -> None:
    if over_rate_limit(request._request, bucket, per_minute):
        raise RateLimited()


# --- the catalogue ----------------------------------------------------------------------------


@extend_schema(
    tags=["catalogue"],
    summary="Agencies with active services",
    responses={200: s.AgencySerializer(many=True), 400: ERRORS[400]},
)
class AgencyList(KnownParameters, generics.ListAPIView):
    serializer_class = s.AgencySerializer
    pagination_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Agency]:
        return (
            Agency.objects.filter(is_active=True)
            .annotate(service_count=Count("services", filter=Q(services__is_active=True)))
            .filter(service_count__gt=0)
            .order_by("code")
        )


class Pages(LimitOffsetPagination):
    """limit/offset, with a malformed or negative value refused rather than quietly ignored."""

    default_limit = 50
    max_limit = 200

    def get_limit(self, request: Request) -> int | None:
        self._check(request, self.limit_query_param, minimum=1)
        return super().get_limit(request)

    def get_offset(self, request: Request) -> int:
        self._check(request, self.offset_query_param, minimum=0)
        return super().get_offset(request)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            minimum = 1 if parameter["name"] == self.limit_query_param else 0
            parameter["schema"]["minimum"] = minimum
        return parameters

    @staticmethod
    def _check(request: Request, name: str, minimum: int) -> None:
        text = request.query_params.get(name)
        if text is None:
            return
        if not (text.isascii() and text.isdigit()) or int(text) < minimum:
            raise exceptions.ValidationError(
                {
                    name: [
                        _("A whole number of at least %(minimum)s.")
                        % {"minimum": digits_for_language(minimum, active_language())}
                    ]
                }
            )


def _fees_on(request: Request) -> dt.date:
    # A plain dict: as a QueryDict, "?on=" would count as absent rather than malformed.
    query = s.FeesOnSerializer(data={k: v for k, v in request.query_params.items() if k == "on"})
    query.is_valid(raise_exception=True)
    on: dt.date = query.validated_data.get("on") or timezone.localdate()
    return on


def _described(service: Service, on: dt.date) -> Service:
    """The service with what the serializers read beside its columns: its channels, its fee
    schedules on ``on`` (the office's at the caps), and its page."""
    channels = [Channel.OFFICE] if service.offered_at_office else []
    if service.offered_online:
        channels.append(Channel.ONLINE)
    service.channel_codes = [str(channel) for channel in channels]  # type: ignore[attr-defined]
    service.fee_schedules = [fee_schedule(service, c, on) for c in channels]  # type: ignore[attr-defined]
    service.page = reverse("catalog:service_detail", args=[service.code])  # type: ignore[attr-defined]
    return service


def _services() -> QuerySet[Service]:
    return (
        Service.objects.active()
        .select_related("agency")
        .prefetch_related(Prefetch("fees", queryset=Fee.objects.all()))
    )


class _GivenChoiceField(forms.ChoiceField):
    """A choice that, when given, must be one: ``?channel=`` is refused rather than read as
    "any channel" (an empty value is not in the schema's enum)."""

    def clean(self, value: Any) -> Any:
        if value == "":
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": ""}
            )
        return super().clean(value)


class _GivenChoiceFilter(filters.ChoiceFilter):
    field_class = _GivenChoiceField


class _SlugFilter(filters.CharFilter):
    field_class = forms.SlugField


class ServiceFilter(filters.FilterSet):
    agency = _SlugFilter(
        field_name="agency__code",
        max_length=40,
        help_text="An agency's code (see /api/v1/agencies/).",
    )
    channel = _GivenChoiceFilter(
        choices=Channel.choices, method="by_channel", help_text="Only services offered there."
    )
    q = filters.CharFilter(
        method="search",
        max_length=100,
        help_text="Search as on the site: Persian or English words, any digits and letter forms.",
    )

    class Meta:
        model = Service
        fields: list[str] = []

    def by_channel(self, queryset: QuerySet[Service], name: str, value: str) -> QuerySet[Service]:
        if value == Channel.OFFICE:
            return queryset.filter(offered_at_office=True)
        return queryset.filter(offered_online=True)

    def search(self, queryset: QuerySet[Service], name: str, value: str) -> QuerySet[Service]:
        return queryset.search(value) if value.strip() else queryset  # type: ignore[attr-defined]


FEES_ON = OpenApiParameter(
    "on",
    dt.date,
    description=(
        "The fees in force on this day (ISO, Gregorian, years 1990–2199); today if absent. A "
        "Jalali date (1404-01-01) is refused rather than read as the fourteenth century."
    ),
    pattern=s.FEES_ON_PATTERN,
)


@extend_schema(
    tags=["catalogue"],
    summary="Active services, with their fees on each channel",
    parameters=[
        FEES_ON,
        # As the filters check them (django-filter's own schema would not say so).
        OpenApiParameter(
            "agency",
            # Empty is no filter, as in a form.
            {"type": "string", "pattern": "^[-a-zA-Z0-9_]*$", "maxLength": 40},
            description="An agency's code (see /api/v1/agencies/).",
        ),
        OpenApiParameter(
            "q",
            {"type": "string", "pattern": "^[^\\x00]*$", "maxLength": 100},
            description="Search as on the site: Persian or English words, any digits and letters.",
        ),
    ],
    responses={200: s.ServiceSerializer(many=True), 400: ERRORS[400]},
)
class ServiceList(KnownParameters, generics.ListAPIView):
    serializer_class = s.ServiceSerializer
    query_parameters = ("agency", "channel", "q", "on", *PAGES)
    filterset_class = ServiceFilter
    pagination_class = Pages

    def get_queryset(self) -> QuerySet[Service]:
        return _services().order_by("agency__code", "code")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        on = _fees_on(request)
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        assert page is not None  # the API always paginates lists of services
        data = self.get_serializer([_described(service, on) for service in page], many=True).data
        return self.get_paginated_response(data)


@extend_schema(
    tags=["catalogue"],
    summary="A service: what it is, its documents, form fields and fees",
    parameters=[FEES_ON],
    responses={200: s.ServiceDetailSerializer, 400: ERRORS[400], 404: ERRORS[404]},
)
class ServiceDetail(KnownParameters, generics.RetrieveAPIView):
    serializer_class = s.ServiceDetailSerializer
    query_parameters = ("on",)
    lookup_field = "code"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Service]:
        return _services().prefetch_related("documents", "fields")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        on = _fees_on(request)
        service = self.get_queryset().filter(code=kwargs["code"]).first()
        if service is None:
            raise exceptions.NotFound(_("No active service has this code."))
        return Response(self.get_serializer(_described(service, on)).data)


# --- tracking ---------------------------------------------------------------------------------


class Track(KnownParameters, APIView):
    @extend_schema(
        tags=["tracking"],
        summary="A request's status and public timeline, by tracking code and national code",
        description=(
            "The same answer as the tracking page: no names, notes, form data or fees. A wrong "
            "national code and an unknown tracking code get the same 404. Limited per client "
            "and minute (PISHKHAN_TRACK_PER_MINUTE), shared with the page."
        ),
        request=s.TrackQuerySerializer,
        responses={200: s.TrackAnswerSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        _limit(request, "track", settings.PISHKHAN_TRACK_PER_MINUTE)
        query = s.TrackQuerySerializer(data=request.data)
        query.is_valid(raise_exception=True)
        # The page's form decides what a well-formed code is, with the page's own messages.
        form = TrackForm(data=query.validated_data)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {name: [str(e) for e in errors] for name, errors in form.errors.items()}
            )
        answer = case_selectors.track(
            form.cleaned_data["tracking_code"], form.cleaned_data["national_code"]
        )
        if answer is None:
            raise exceptions.NotFound(
                _("No request has this tracking code with this national code.")
            )
        return Response(s.TrackAnswerSerializer(answer).data)


# --- verification -----------------------------------------------------------------------------


def _receipt(receipt: Receipt, signature: str) -> dict[str, Any]:
    request = receipt.request
    office = request.office
    return {
        "kind": "receipt",
        "verification_code": receipt.verification_code,
        "signature": signature,
        "tracking_code": receipt.tracking_code,
        "service_code": request.service.code,
        "service_name_fa": request.service.name_fa,
        "service_name_en": request.service.name_en,
        "office": {"name": office.name, "licence_number": office.licence_number}
        if office
        else None,
        "submitted_at": request.submitted_at,
        "payment_status": receipt.invoice.status,
        "paid_at": receipt.invoice.paid_at,
        "refunded_rials": receipt.invoice.refunded_rials,
        "fees_on": receipt.fees_on,
        "vat_percent": receipt.vat_percent,
        "lines": receipt.lines,
        "total_charged_rials": receipt.total_charged_rials,
        "official_total_rials": receipt.official_total_rials,
        "is_overcharged": receipt.is_overcharged,
        "excess_rials": receipt.excess_rials,
    }


def _certificate(certificate: Certificate, signature: str) -> dict[str, Any]:
    return {
        "kind": "certificate",
        "verification_code": certificate.verification_code,
        "signature": signature,
        "certificate_kind": certificate.kind,
        "status": certificate.status,
        "revoked_at": certificate.revoked_at,
        "holder_name": certificate.holder_name,
        "masked_national_code": certificate.masked_national_code,
        "agency": certificate.request.service.agency,
        "certified": s.certified(certificate.kind, certificate.data),
        "recipient": certificate.recipient,
        "issued_at": certificate.issued_at,
    }


class Verify(KnownParameters, APIView):
    query_parameters = (TOKEN_PARAMETER,)

    @extend_schema(
        tags=["verification"],
        summary="Verify a receipt or a certificate by its verification code",
        description=(
            "What the verification page shows, for a university's or an employer's system: a "
            "certificate's holder, what it certifies and whether it is valid or revoked (read "
            "live); a receipt's charged lines beside the official figures. Pass the QR code's "
            "token as s to have its signature checked too. Limited per client and minute "
            "(PISHKHAN_VERIFY_PER_MINUTE), shared with the page."
        ),
        parameters=[
            OpenApiParameter(
                TOKEN_PARAMETER, str, description="The signed token from the QR code, if scanned."
            )
        ],
        responses={
            200: PolymorphicProxySerializer(
                component_name="Verification",
                serializers={
                    "receipt": s.ReceiptVerificationSerializer,
                    "certificate": s.CertificateVerificationSerializer,
                },
                resource_type_field_name="kind",
            ),
            400: ERRORS[400],
            404: ERRORS[404],
            429: ERRORS[429],
        },
    )
    def get(self, request: Request, code: str) -> Response:
        _limit(request, "verify", settings.PISHKHAN_VERIFY_PER_MINUTE)
        code = normalize_code(code)
        token = request.query_params.get(TOKEN_PARAMETER, "")
        certificate = certificate_for_code(code)
        if certificate is not None:
            signature = check_certificate_token(certificate, token).status
            return Response(
                s.CertificateVerificationSerializer(_certificate(certificate, signature)).data
            )
        receipt = receipt_for_code(code)
        if receipt is not None:
            signature = check_receipt_token(receipt, token).status
            return Response(s.ReceiptVerificationSerializer(_receipt(receipt, signature)).data)
        raise exceptions.NotFound(_("No receipt or certificate has this verification code."))
