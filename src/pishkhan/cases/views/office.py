"""The office counter: identify the citizen, pick a service, fill the form, submit, print."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pishkhan.accounts.access import roles_required
from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.catalog.filing import service_for_filing
from pishkhan.catalog.models import Channel, Service
from pishkhan.core.text import normalize
from pishkhan.offices.models import Office, OfficeService

from ..forms import IdentifyCitizenForm
from ..models import ServiceRequest
from ..selectors import citizen_and_offering, get_visible
from ..services import RequestError, identify_at_counter
from .common import filing_page, request_page

OFFICE_ROLES = (Role.OFFICE_OPERATOR, Role.OFFICE_MANAGER)
office_staff = roles_required(*OFFICE_ROLES)
CITIZEN_TOKEN_SALT = "pishkhan.office.citizen"
CITIZEN_TOKEN_MAX_AGE = 3600


class IdentificationExpired(Exception):
    """The signed citizen token of the counter's steps is genuine but older than an hour."""


@office_staff
def home(request: HttpRequest) -> HttpResponse:
    """Today's requests of the office, or a search by tracking code, national code or name."""
    query = normalize(request.GET.get("q", ""))[:60]
    requests = ServiceRequest.objects.visible_to(request.user).select_related("service", "citizen")
    if query:
        terms = Q(tracking_code=query) | Q(citizen__national_code=query)
        for word in query.split():
            terms |= Q(citizen__first_name__icontains=word) | Q(citizen__last_name__icontains=word)
        requests = requests.filter(terms)
    else:
        start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        requests = requests.filter(submitted_at__gte=start)
    page = Paginator(requests.order_by("-submitted_at"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/office_home.html",
        {"page": page, "query": query, "office": request.user.office},
    )  # type: ignore[union-attr]


def _office_blocked(request: HttpRequest) -> HttpResponse | None:
    """The page saying the office cannot file, when its licence is not active (suspended,
    revoked, expired); None when it can. Checked at the first steps so that no identity-registry
    inquiry is made and no form is filled for a request the submission would refuse. The office
    is read afresh (one query; these steps are not the hot path)."""
    office = Office.objects.get(pk=request.user.office_id)  # type: ignore[union-attr]
    if office.can_file_requests:
        return None
    return render(request, "cases/office_blocked.html", {"office": office}, status=409)


def _resumable(request: HttpRequest, code: str) -> bool:
    """Whether the identify step may lead straight to ``code``'s form: a service this office
    offers now (anything else in the address is ignored)."""
    return bool(code) and (
        OfficeService.objects.filter(
            office_id=request.user.office_id,  # type: ignore[union-attr]
            service__code=code,
            service__is_active=True,
        ).exists()
    )


@office_staff
@require_http_methods(["GET", "POST"])
def identify(request: HttpRequest) -> HttpResponse:
    blocked = _office_blocked(request)
    if blocked is not None:
        return blocked
    # Sent back here by an expired identification (decision 55): the service chosen before is
    # kept in the address, and the form of that service opens after the check.
    code = request.GET.get("service", "")[:100]
    resume = service_for_filing(code) if _resumable(request, code) else None
    form = IdentifyCitizenForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            citizen = identify_at_counter(
                request.user,
                form.cleaned_data["national_code"],
                form.cleaned_data["mobile"],
            )
        except RequestError as exc:
            form.add_error(None, exc.message)
        else:
            token = signing.dumps(
                {"citizen": citizen.pk, "office": request.user.office_id}, salt=CITIZEN_TOKEN_SALT
            )  # type: ignore[union-attr]
            if resume is not None:
                return redirect("cases:office_new_request", token=token, code=resume.code)
            return redirect("cases:office_choose_service", token=token)
    return render(request, "cases/office_identify.html", {"form": form, "resume": resume})


def _identify_again(request: HttpRequest, code: str = "") -> HttpResponse:
    """An expired identification: back to the identify step with a message saying so, not a
    404; a form sent with it was not filed, and the message says what was typed is to be typed
    again (nothing of it is kept: decision 55)."""
    if request.method == "POST":
        messages.error(
            request,
            _(
                "The citizen's identification lasts an hour and had expired, so the request was "
                "not filed. Identify the citizen again: the same service's form then opens, and "
                "what was typed in it must be filled in again."
            ),
        )
    else:
        messages.warning(
            request,
            _(
                "The citizen's identification lasts an hour and has expired. Identify the "
                "citizen again to continue."
            ),
        )
    url = reverse("cases:office_identify")
    return redirect(f"{url}?{urlencode({'service': code})}" if code else url)


def _citizen_id_from(request: HttpRequest, token: str) -> Any:
    try:
        data = signing.loads(token, salt=CITIZEN_TOKEN_SALT, max_age=CITIZEN_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise IdentificationExpired from None
    except signing.BadSignature:
        raise Http404 from None
    if data.get("office") != request.user.office_id:  # type: ignore[union-attr]
        raise Http404
    return data.get("citizen")


def _citizen_from(request: HttpRequest, token: str) -> User:
    return get_object_or_404(User, pk=_citizen_id_from(request, token), role=Role.CITIZEN)


@office_staff
def choose_service(request: HttpRequest, token: str) -> HttpResponse:
    try:
        citizen = _citizen_from(request, token)
    except IdentificationExpired:
        return _identify_again(request)
    blocked = _office_blocked(request)
    if blocked is not None:
        return blocked
    offered = (
        OfficeService.objects.filter(office_id=request.user.office_id, service__is_active=True)  # type: ignore[union-attr]
        .select_related("service", "service__agency")
        .order_by("service__agency__name_fa", "service__name_fa")
    )
    query = normalize(request.GET.get("q", ""))[:100]
    if query:
        offered = offered.filter(service__in=Service.objects.search(query))
    return render(
        request,
        "cases/office_choose_service.html",
        {"citizen": citizen, "token": token, "offered": offered, "query": query},
    )


@office_staff
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest, token: str, code: str) -> HttpResponse:
    try:
        citizen_id = _citizen_id_from(request, token)
    except IdentificationExpired:
        return _identify_again(request, code)
    service = service_for_filing(code)
    if service is None:
        raise Http404
    citizen, offering = citizen_and_offering(
        citizen_id,
        request.user.office_id,  # type: ignore[union-attr]
        service.pk,
    )
    if citizen is None or offering is None:
        raise Http404
    if request.method == "GET" and not offering.office.can_file_requests:
        # A form opened from a step passed before the suspension: not shown (the office row
        # came with the offering, so this costs no query; the POST is refused by submit).
        return render(request, "cases/office_blocked.html", {"office": offering.office}, status=409)
    return filing_page(
        request,
        service,  # type: ignore[arg-type]
        citizen=citizen,
        channel=Channel.OFFICE,
        office=offering.office,
        offering=offering,
        template="cases/office_new_request.html",
        detail_view="cases:office_request",
        filed_message=_("The request was filed."),
        context={"citizen": citizen, "token": token},
    )


@office_staff
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, tracking_code: str) -> HttpResponse:
    return request_page(request, tracking_code, "cases/office_request.html", "cases:office_request")


@office_staff
def receipt(request: HttpRequest, tracking_code: str) -> HttpResponse:
    service_request = get_visible(request.user, tracking_code)
    return render(request, "cases/receipt.html", {"req": service_request})
