"""Two bare views, under the same middleware, gunicorn and database as the app: the tracking
page's look-up and nothing else, and a two-row submission (a request and its outbox message) and
nothing else. They show what Django itself costs here, so the pages' figures can be read against
them (docs/performance.md)."""

from __future__ import annotations

from functools import cache

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from pishkhan.accounts.models import User
from pishkhan.cases.models import ServiceRequest
from pishkhan.catalog.models import Service
from pishkhan.core.identifiers import new_tracking_code
from pishkhan.notify.models import OutboxMessage
from pishkhan.urls import urlpatterns as app_urlpatterns
from pishkhan.workflow.models import WorkflowDefinition


@csrf_exempt
def bare_track(request: HttpRequest) -> HttpResponse:
    found = (
        ServiceRequest.objects.filter(
            tracking_code=request.POST["tracking_code"],
            citizen__national_code=request.POST["national_code"],
        )
        .only("id")
        .first()
    )
    return HttpResponse("found" if found else "no", status=200 if found else 404)


@cache
def _filing() -> tuple[Service, User, WorkflowDefinition]:
    service = Service.objects.get(code="gas-meter-test")
    citizen = User.objects.get(username="9990000018")
    return service, citizen, WorkflowDefinition.objects.current(service.workflow_key)


@csrf_exempt
def bare_submit(request: HttpRequest) -> HttpResponse:
    service, citizen, workflow = _filing()
    now = timezone.now()
    with transaction.atomic():
        filed = ServiceRequest.objects.create(
            tracking_code=new_tracking_code(),
            service=service,
            agency_id=service.agency_id,
            province_id=citizen.province_id,
            citizen=citizen,
            channel="online",
            workflow=workflow,
            status="submitted",
            submitted_at=now,
            sla_due_on=now.date(),
        )
        OutboxMessage.objects.create(
            recipient=citizen.mobile,
            body=f"ثبت شد: {filed.tracking_code}",
            subject_type="service_request",
            subject_id=str(filed.pk),
            event="submitted",
        )
    return HttpResponse("filed", status=201)


urlpatterns = [
    path("bare/track/", bare_track),
    path("bare/submit/", bare_submit),
    *app_urlpatterns,
]
