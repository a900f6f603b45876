"""The agency API (docs/api.md): an agency's own back-office system reads its queue and a
request, and takes the workflow's steps — what its officers do on /agency/, with the same scope
(``agency_queue``, ``get_visible``), the same rules (``cases.services.transition``: roles,
optimistic version, required reasons) and the same audit trail, which names the client's
service account."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pishkhan.cases.data_access import note_access
from pishkhan.cases.models import DataAccess, ServiceRequest
from pishkhan.cases.selectors import (
    agency_queue,
    form_rows,
    get_visible,
    sla_state,
    timeline,
    with_workflows,
)
from pishkhan.cases.services import RequestError, transition
from pishkhan.cases.views.agency import FILTERABLE, WAITING
from pishkhan.core.downloads import document_response
from pishkhan.core.i18n import active_language

from . import serializers as s
from .auth import ApiClientAuthentication, IsAgencySystem
from .models import DeliveryStatus, Webhook
from .views import ERRORS, PAGES, KnownParameters, Pages

AUTH_ERRORS = {
    401: OpenApiResponse(s.ErrorSerializer, description="No token, or not a valid one."),
    403: OpenApiResponse(s.ErrorSerializer, description="The client is not an agency's system."),
}
NOT_IN_SCOPE = OpenApiResponse(
    s.ErrorSerializer, description="No request in the client's scope has this tracking code."
)
# A refused step, by the workflow engine's code: the HTTP status it answers with.
REFUSAL_STATUS = {"stale": 409, "not_allowed": 409, "role": 403, "not_found": 404}


class Refused(exceptions.APIException):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status
        self.default_code = code


class AgencySystemView(KnownParameters, APIView):
    authentication_classes = [ApiClientAuthentication]
    permission_classes = [IsAgencySystem]


def _visible(request: Request, tracking_code: str) -> ServiceRequest:
    try:
        return get_visible(request.user, tracking_code, via=DataAccess.Via.API)
    except Http404:
        raise exceptions.NotFound(_("No request in your scope has this tracking code.")) from None


def _service(service: Any) -> dict[str, str]:
    return {"code": service.code, "name_fa": service.name_fa, "name_en": service.name_en}


def _office(office: Any) -> dict[str, str] | None:
    return {"name": office.name, "licence_number": office.licence_number} if office else None


def _detail(request: Request, item: ServiceRequest) -> dict[str, Any]:
    language = active_language()
    definition = item.definition
    role = request.user.role
    return {
        "tracking_code": item.tracking_code,
        "service": _service(item.service),
        "citizen": {
            "name": item.citizen.get_full_name(),
            "national_code": item.citizen.national_code,
        },
        "channel": item.channel,
        "office": _office(item.office),
        "province": item.province.sci_code,
        "state": item.status,
        "state_label": definition.state_label(item.status, language),
        "version": item.version,
        "submitted_at": item.submitted_at,
        "decided_at": item.decided_at,
        "sla_due_on": item.sla_due_on,
        "sla": sla_state(item),
        "form": [{"label": label, "value": value} for label, value in form_rows(item)],
        "form_data": item.form_data,
        "documents": [
            {
                "id": document.pk,
                "name": document.original_name,
                "content_type": document.content_type,
                "size": document.size,
                "sha256": document.sha256,
            }
            for document in item.attachments.order_by("pk")
        ],
        "timeline": [
            {
                "at": entry.at,
                "action": entry.action,
                "state": entry.state,
                "state_label": entry.state_label,
                "actor_name": entry.actor_name,
                "actor_role": entry.actor_role,
                "comment": entry.comment,
            }
            for entry in timeline(item)
        ],
        "actions": [
            {
                "action": step.action,
                "label": step.label(language),
                "comment_required": step.comment_required,
            }
            for step in definition.available(item.status, role)
        ],
    }


@extend_schema(
    tags=["agency"],
    summary="The client's queue: requests waiting on its agency in its scope, most overdue first",
    parameters=[
        OpenApiParameter(
            "state",
            str,
            enum=list(FILTERABLE),
            description="One state; the waiting ones if absent.",
        ),
        OpenApiParameter(
            "service",
            {"type": "string", "pattern": s.SLUG_PATTERN, "maxLength": 80},
            description="A service's code.",
        ),
    ],
    responses={200: s.QueueRowSerializer(many=True), 400: ERRORS[400], **AUTH_ERRORS},
)
class Queue(generics.ListAPIView, AgencySystemView):
    serializer_class = s.QueueRowSerializer
    pagination_class = Pages
    query_parameters = ("state", "service", *PAGES)
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ServiceRequest]:
        query = s.QueueQuerySerializer(
            data={k: v for k, v in self.request.query_params.items() if k in ("state", "service")}
        )
        query.is_valid(raise_exception=True)
        state = query.validated_data.get("state")
        requests = agency_queue(self.request.user).select_related("service", "office")
        requests = requests.filter(status=state) if state else requests.filter(status__in=WAITING)
        if query.validated_data.get("service"):
            requests = requests.filter(service__code=query.validated_data["service"])
        return requests.order_by("sla_due_on", "submitted_at", "pk")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        assert page is not None
        language = active_language()
        today = timezone.localdate()
        rows = [
            {
                "tracking_code": item.tracking_code,
                "service": _service(item.service),
                "state": item.status,
                "state_label": item.definition.state_label(item.status, language),
                "version": item.version,
                "submitted_at": item.submitted_at,
                "sla_due_on": item.sla_due_on,
                "sla": sla_state(item, today),
                "office": _office(item.office),
            }
            for item in with_workflows(list(page))
        ]
        return self.get_paginated_response(s.QueueRowSerializer(rows, many=True).data)


class RequestDetail(AgencySystemView):
    @extend_schema(
        tags=["agency"],
        summary="A request as the agency's officers see it, with the steps the client may take",
        responses={
            200: s.AgencyRequestSerializer,
            400: ERRORS[400],
            404: NOT_IN_SCOPE,
            **AUTH_ERRORS,
        },
    )
    def get(self, request: Request, tracking_code: str) -> Response:
        item = _visible(request, tracking_code)
        return Response(s.AgencyRequestSerializer(_detail(request, item)).data)


class RequestDocument(AgencySystemView):
    @extend_schema(
        tags=["agency"],
        summary="A document of a request, as it was uploaded (PDF, JPEG or PNG)",
        description="Its SHA-256 is in the request's `documents`, to check the copy against.",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                description="The file, with its own Content-Type."
            ),
            400: ERRORS[400],
            404: NOT_IN_SCOPE,
            **AUTH_ERRORS,
        },
    )
    def get(self, request: Request, tracking_code: str, document_id: int) -> FileResponse:
        item = _visible(request, tracking_code)
        document = item.attachments.filter(pk=document_id).first()
        if document is None:
            raise exceptions.NotFound(_("This request has no document with this id."))
        try:
            response = document_response(
                document.file,
                content_type=document.content_type,
                as_attachment=True,
                filename=document.original_name,
            )
        except OSError as exc:  # the row outlived its file: a 404 that says so, never a 500
            raise exceptions.NotFound(_("This document's file is no longer in storage.")) from exc
        note_access(request.user, DataAccess.Kind.DOCUMENT, request=item, via=DataAccess.Via.API)
        response["X-Content-SHA256"] = document.sha256
        response["Cache-Control"] = "private, no-store"
        return response


class RequestAction(AgencySystemView):
    @extend_schema(
        tags=["agency"],
        summary="Take a workflow step on a request (approve, ask for information, reject, …)",
        description=(
            "`version` is the request's version the decision was made on: if the request "
            "changed since, the step is refused with 409 `stale` and nothing changes. A step "
            "the state does not allow is 409 `not_allowed`; one that needs a reason without it "
            "is 400 with `fields.comment`. The citizen gets the same SMS as for an officer's "
            "step, and the audit log names the client's service account."
        ),
        request=s.ActionSerializer,
        responses={
            200: s.AgencyRequestSerializer,
            400: ERRORS[400],
            404: NOT_IN_SCOPE,
            409: OpenApiResponse(s.ErrorSerializer, description="Stale version or step."),
            **AUTH_ERRORS,
        },
    )
    def post(self, request: Request, tracking_code: str) -> Response:
        item = _visible(request, tracking_code)
        step = s.ActionSerializer(data=request.data)
        step.is_valid(raise_exception=True)
        try:
            transition(
                item.pk,
                step.validated_data["action"],
                request.user,
                comment=step.validated_data["comment"],
                expected_version=step.validated_data["version"],
            )
        except RequestError as exc:
            if exc.code == "comment_required":
                raise exceptions.ValidationError({"comment": [str(exc.message)]}) from exc
            raise Refused(REFUSAL_STATUS.get(exc.code, 409), exc.code, str(exc.message)) from exc
        return Response(
            s.AgencyRequestSerializer(_detail(request, _visible(request, tracking_code))).data
        )


RECENT_DELIVERIES = 20


WEBHOOK_STATUS_SCHEMA: dict[str, Any] = {
    "summary": "The client's webhook: its address, what waits or failed, the latest deliveries",
    "description": (
        "So the client's developers see why their receiver hears nothing, without asking "
        "the platform's administrators. The address and secret are set by the national "
        "administrator (`pishkhan api-client webhook`); see docs/api.md, Webhooks."
    ),
    "responses": {
        200: s.WebhookStatusSerializer,
        400: ERRORS[400],
        404: OpenApiResponse(s.ErrorSerializer, description="The client has no webhook."),
        **AUTH_ERRORS,
    },
}


def webhook_status(request: Request) -> Response:
    """The calling client's webhook (the agency's and the office's endpoints answer alike)."""
    hook = Webhook.objects.filter(client=request.auth).first()
    if hook is None:
        raise exceptions.NotFound(
            _("This client has no webhook; the platform's administrators set one.")
        )
    counts = dict(
        hook.deliveries.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED])
        .values_list("status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    recent = hook.deliveries.order_by("-pk")[:RECENT_DELIVERIES]
    return Response(
        s.WebhookStatusSerializer(
            {
                "url": hook.url,
                "is_active": hook.is_active,
                "pending": counts.get(DeliveryStatus.PENDING, 0),
                "failed": counts.get(DeliveryStatus.FAILED, 0),
                "recent": [
                    {
                        "id": delivery.pk,
                        "event": delivery.event,
                        "tracking_code": delivery.payload.get("request", {}).get("tracking_code"),
                        "status": delivery.status,
                        "attempts": delivery.attempts,
                        "last_status_code": delivery.last_status_code,
                        "last_error": delivery.last_error,
                        "created_at": delivery.created_at,
                        "next_attempt_at": delivery.next_attempt_at
                        if delivery.status == DeliveryStatus.PENDING
                        else None,
                        "delivered_at": delivery.delivered_at,
                    }
                    for delivery in recent
                ],
            }
        ).data
    )


class WebhookStatus(AgencySystemView):
    @extend_schema(tags=["agency"], **WEBHOOK_STATUS_SCHEMA)
    def get(self, request: Request) -> Response:
        return webhook_status(request)
