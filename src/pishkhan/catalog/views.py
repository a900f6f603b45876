"""The public catalogue: home, search and service pages. No login needed."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .fees import fee_schedule
from .models import Agency, Channel, Fee, Service

MAX_QUERY_LENGTH = 100


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    agencies = (
        Agency.objects.filter(is_active=True)
        .annotate(service_count=Count("services", filter=Q(services__is_active=True)))
        .filter(service_count__gt=0)
        .order_by("name_fa")
    )
    return render(request, "catalog/home.html", {"agencies": agencies})


@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY_LENGTH].strip()
    agency_code = request.GET.get("agency", "")
    services = Service.objects.active().select_related("agency")
    agency = None
    if agency_code:
        agency = Agency.objects.filter(code=agency_code, is_active=True).first()
        services = services.filter(agency=agency) if agency else services.none()
    if query:
        services = services.search(query)
    services = services.order_by("agency__name_fa", "name_fa")
    return render(
        request,
        "catalog/service_list.html",
        {"services": services, "query": query, "agency": agency, "agency_code": agency_code},
    )


@require_GET
def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    service = get_object_or_404(
        Service.objects.active()
        .select_related("agency")
        .prefetch_related("documents", "fields", Prefetch("fees", queryset=Fee.objects.all())),
        code=code,
    )
    schedules = []
    if service.offered_at_office:
        schedules.append(fee_schedule(service, Channel.OFFICE))
    if service.offered_online:
        schedules.append(fee_schedule(service, Channel.ONLINE))
    return render(
        request,
        "catalog/service_detail.html",
        {"service": service, "schedules": schedules},
    )
