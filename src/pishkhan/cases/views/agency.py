"""The agency back office: the queue of the officer's agency in the officer's province, and
the request page where the officer acts."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from pishkhan.accounts.access import roles_required
from pishkhan.accounts.roles import Role
from pishkhan.core.downloads import document_response
from pishkhan.core.i18n import active_language
from pishkhan.workflow.models import WorkflowDefinition

from ..data_access import note_access
from ..forms import QueueDatesForm
from ..models import DataAccess
from ..selectors import (
    agency_queue,
    get_visible,
    services_with_requests,
    sla_state,
    with_workflows,
)
from .common import request_page

AGENCY_ROLES = (Role.AGENCY_OFFICER, Role.ASSESSMENT_OFFICER, Role.AGENCY_ADMIN)
agency_staff = roles_required(*AGENCY_ROLES)
# States in which a request waits on the agency (the default view of the queue); approved
# requests, waiting to be handed over, are one filter away. The partial index
# cases_request_open_queue (migration cases 0002) lists the same states.
WAITING = ("submitted", "in_review", "resubmitted", "needs_info", "checking")
FILTERABLE = (*WAITING, "approved")
# What a row of the queue shows (and sla_state reads): not the form data, fees, citizen or the
# service's texts, fifty times over.
QUEUE_FIELDS = (
    "tracking_code",
    "status",
    "sla_due_on",
    "submitted_at",
    "decided_at",
    "workflow",
    "service__name_fa",
    "service__name_en",
    "office__name",
)


def status_choices() -> list[tuple[str, str]]:
    """(state, label) of the filterable states, labelled by the shipped workflows."""
    language = active_language()
    labels: dict[str, str] = {}
    for key in ("academic_verification", "default"):
        workflow = WorkflowDefinition.objects.filter(key=key).order_by("-version").first()
        if workflow:
            labels.update(
                {s: workflow.parsed.state_label(s, language) for s in workflow.parsed.states}
            )
    return [(state, labels.get(state, state)) for state in FILTERABLE]


@agency_staff
def queue(request: HttpRequest) -> HttpResponse:
    """Open requests, most overdue first; filters by service, status, SLA and filing date."""
    visible = agency_queue(request.user)
    requests = visible.select_related("service", "office").only(*QUEUE_FIELDS)
    services = services_with_requests(visible).order_by("name_fa")
    service_code = request.GET.get("service", "")
    status = request.GET.get("status", "")
    sla = request.GET.get("sla", "")
    dates = QueueDatesForm(request.GET)
    dates.is_valid()
    if service_code:
        requests = requests.filter(service__code=service_code)
    requests = (
        requests.filter(status=status)
        if status in FILTERABLE
        else requests.filter(status__in=WAITING)
    )
    today = timezone.localdate()
    if sla == "breached":
        requests = requests.filter(sla_due_on__lt=today, decided_at__isnull=True)
    elif sla == "due_soon":
        requests = requests.filter(
            sla_due_on__range=(today, today + timezone.timedelta(days=1)), decided_at__isnull=True
        )
    for name, lookup in (("from", "submitted_at__date__gte"), ("to", "submitted_at__date__lte")):
        # A wrong date is not applied; the form says what is wrong with it.
        if dates.cleaned_data.get(name):
            requests = requests.filter(**{lookup: dates.cleaned_data[name]})
    page = Paginator(requests.order_by("sla_due_on", "submitted_at"), 50).get_page(
        request.GET.get("page")
    )
    page.object_list = with_workflows(list(page.object_list))
    rows = [(r, sla_state(r, today)) for r in page]
    return render(
        request,
        "cases/agency_queue.html",
        {
            "page": page,
            "rows": rows,
            "services": services,
            "filters": request.GET,
            "dates": dates,
            "statuses": status_choices(),
        },
    )


@agency_staff
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, tracking_code: str) -> HttpResponse:
    return request_page(request, tracking_code, "cases/agency_request.html", "cases:agency_request")


@roles_required(*AGENCY_ROLES, Role.OFFICE_OPERATOR, Role.OFFICE_MANAGER, Role.CITIZEN)
def attachment(request: HttpRequest, tracking_code: str, attachment_id: int) -> HttpResponse:
    service_request = get_visible(request.user, tracking_code)
    item = service_request.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise Http404
    try:
        response = document_response(
            item.file,
            content_type=item.content_type,
            as_attachment=False,
            filename=item.original_name,
        )
    except OSError as exc:  # the row outlived its file (an object store's too): not found
        raise Http404 from exc
    note_access(request.user, DataAccess.Kind.DOCUMENT, request=service_request)
    return response
