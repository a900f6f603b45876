"""The citizen's profile-based portal: sign in by SMS code, see every request, file online in at
most three screens, answer "more information needed", cancel, print receipts."""

from __future__ import annotations

from django.contrib import auth, messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pishkhan.accounts.access import roles_required
from pishkhan.accounts.backends import BACKEND
from pishkhan.accounts.otp import CODE_LIFETIME, SignInError, code_timing, request_code, verify_code
from pishkhan.accounts.roles import Role
from pishkhan.catalog.filing import service_for_filing
from pishkhan.catalog.models import Channel, Service
from pishkhan.core.ratelimit import client_address
from pishkhan.core.text import normalize

from .. import held
from ..data_access import accesses_of
from ..forms import CitizenCodeForm, PortalSignInForm, ServiceRequestForm
from ..models import ServiceRequest
from ..selectors import form_rows, get_visible, timeline
from ..services import RequestError, Upload, resubmit
from .common import act_on_request, filing_page

citizen_only = roles_required(Role.CITIZEN, login_url="cases:portal_login")
PENDING = "pishkhan_citizen_pending"
ACCESS_PAGE_SIZE = 50


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    form = PortalSignInForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = request_code(
                form.cleaned_data["national_code"],
                form.cleaned_data["mobile"],
                client_address(request),
            )
        except SignInError as exc:
            form.add_error(None, exc.message)
        else:
            request.session[PENDING] = sent.national_code
            request.session["pishkhan_next"] = request.GET.get("next", "")
            return redirect("cases:portal_code")
    return render(request, "portal/login.html", {"form": form})


@require_http_methods(["GET", "POST"])
def enter_code(request: HttpRequest) -> HttpResponse:
    national_code = request.session.get(PENDING)
    if not national_code:
        return redirect("cases:portal_login")
    form = CitizenCodeForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            citizen = verify_code(national_code, form.cleaned_data["code"])
        except SignInError as exc:
            form.add_error("code", exc.message)
        else:
            target = request.session.pop("pishkhan_next", "")
            auth.login(request, citizen, backend=BACKEND)
            host, secure = {request.get_host()}, request.is_secure()
            safe = url_has_allowed_host_and_scheme(target, host, secure)
            return redirect(target if target and safe else "cases:portal_home")
    return render(
        request,
        "portal/code.html",
        {
            "form": form,
            "national_code": national_code,
            # How long the code lasts and when a new one may be asked for, said on the page
            # (decision 55): the time limit is the product's, so the page says it plainly.
            "timing": code_timing(national_code),
            "lifetime_minutes": int(CODE_LIFETIME.total_seconds() // 60),
        },
    )


@citizen_only
def home(request: HttpRequest) -> HttpResponse:
    requests = (
        ServiceRequest.objects.visible_to(request.user)
        .select_related("service", "workflow", "office")
        .order_by("-submitted_at")
    )
    return render(request, "portal/home.html", {"requests": requests})


@citizen_only
def data_access(request: HttpRequest) -> HttpResponse:
    """Who has seen my data: every opening of the citizen's requests, their documents and their
    identity by anyone else, newest first (decision 42)."""
    page = Paginator(accesses_of(request.user), ACCESS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/data_access.html", {"page": page})


@citizen_only
def choose_service(request: HttpRequest) -> HttpResponse:
    """Screen 1 of 3: which service."""
    query = normalize(request.GET.get("q", ""))[:100]
    services = Service.objects.active().filter(offered_online=True).select_related("agency")
    if query:
        services = services.search(query)
    return render(
        request,
        "portal/choose_service.html",
        {"services": services.order_by("agency__name_fa", "name_fa"), "query": query},
    )


@citizen_only
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest, code: str) -> HttpResponse:
    """Screen 2 of 3: the form, the documents and what it costs; screen 3 is the request itself."""
    service = service_for_filing(code)
    if service is None:
        raise Http404
    if not service.offered_online:
        messages.error(
            request, _("This service is not offered online. It is filed at a counter office.")
        )
        return redirect("catalog:service_detail", code=service.code)
    return filing_page(
        request,
        service,
        citizen=request.user,  # type: ignore[arg-type]
        channel=Channel.ONLINE,
        office=None,
        template="portal/new_request.html",
        detail_view="cases:portal_request",
        filed_message=_("Your request was filed. We will send you an SMS when it moves on."),
        context={},
    )


@citizen_only
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, tracking_code: str) -> HttpResponse:
    service_request = get_visible(request.user, tracking_code)
    if request.method == "POST":
        return act_on_request(request, service_request, "cases:portal_request")
    answer_form = None
    if service_request.status == "needs_info":
        answer_form = ServiceRequestForm(
            service_request.service,
            initial={
                "idempotency_key": "resubmit",
                **{f"field_{k}": v for k, v in service_request.form_data.items()},
            },
            documents_optional=True,
        )
    actions = [
        a
        for a in service_request.definition.available(service_request.status, Role.CITIZEN)
        if a.action != "resubmit"
    ]
    return render(
        request,
        "portal/request.html",
        {
            "req": service_request,
            "timeline": timeline(service_request),
            "form_rows": form_rows(service_request),
            "actions": actions,
            "answer_form": answer_form,
        },
    )


@citizen_only
@require_http_methods(["POST"])
def answer(request: HttpRequest, tracking_code: str) -> HttpResponse:
    """Answer "more information needed": edit the form, add documents, send it back."""
    service_request = get_visible(request.user, tracking_code)
    files = held.files_with_held(request.POST, request.FILES, request.user)
    form = ServiceRequestForm(
        service_request.service, data=request.POST, files=files, documents_optional=True
    )
    if form.is_valid():
        try:
            resubmit(
                service_request.pk,
                request.user,
                form_values=form.form_values(),  # type: ignore[arg-type]
                uploads=[Upload(doc.pk if doc else None, f) for doc, f in form.uploads()],
                expected_version=_version(request),
            )
        except RequestError as exc:
            messages.error(request, str(exc.message))
        else:
            held.release(files)
            messages.success(request, _("Sent back to the agency with your changes."))
            return redirect("cases:portal_request", tracking_code=tracking_code)
    held.keep_for_the_next_try(form, request.user)
    return render(
        request,
        "portal/request.html",
        {
            "req": service_request,
            "timeline": timeline(service_request),
            "form_rows": form_rows(service_request),
            "actions": [],
            "answer_form": form,
        },
        status=400,
    )


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@citizen_only
def receipt(request: HttpRequest, tracking_code: str) -> HttpResponse:
    service_request = get_visible(request.user, tracking_code)
    return render(request, "cases/receipt.html", {"req": service_request})


@require_http_methods(["POST"])
def logout(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return redirect("catalog:home")
