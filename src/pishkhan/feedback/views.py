"""The citizen's complaint and rating pages, and the regulator's complaint queue."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pishkhan.accounts.access import roles_required
from pishkhan.accounts.roles import Role
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.selectors import get_visible
from pishkhan.core.audit import events_for
from pishkhan.core.models import Province
from pishkhan.offices.models import Office

from . import selectors, services
from .forms import ComplaintForm, RatingForm, ResolutionForm
from .models import Complaint, ComplaintKind, ComplaintStatus, Rating

citizen_only = roles_required(Role.CITIZEN, login_url="cases:portal_login")
regulator_only = roles_required(Role.REGULATOR, Role.NATIONAL_ADMIN)
PAGE_SIZE = 50


@citizen_only
@require_http_methods(["GET", "POST"])
def complain(request: HttpRequest, tracking_code: str) -> HttpResponse:
    """A complaint about the office that filed one of the citizen's own requests."""
    service_request = get_visible(request.user, tracking_code)
    if service_request.citizen_id != request.user.pk:
        raise Http404  # staff never reach here (citizens only); a citizen sees only their own
    kind = request.GET.get("kind", "")
    form = ComplaintForm(
        data=request.POST or None,
        initial={"kind": kind if kind in ComplaintKind.values else ""},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.file_complaint(
                    request.user,  # type: ignore[arg-type]
                    service_request,
                    kind=form.cleaned_data["kind"],
                    text=form.cleaned_data["text"],
                    amount_claimed_rials=form.cleaned_data["amount_claimed"],
                )
            except services.FeedbackError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                messages.success(
                    request,
                    _(
                        "Your complaint was filed. The regulator will review it and tell you "
                        "by SMS."
                    ),
                )
                return redirect("cases:portal_request", tracking_code=tracking_code)
        status = 400
    return render(
        request,
        "feedback/complain.html",
        {"req": service_request, "form": form, "has_office": service_request.office_id is not None},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """Rate a delivered request from the SMS link: no sign-in, the signed link is the proof."""
    try:
        service_request = services.request_for_token(token)
    except services.FeedbackError as exc:
        return render(request, "feedback/rate.html", {"error": exc.message}, status=400)
    return _rating_page(request, service_request, via="link")


@citizen_only
@require_http_methods(["GET", "POST"])
def rate_request(request: HttpRequest, tracking_code: str) -> HttpResponse:
    """Rate one of the citizen's own delivered requests from its page in the portal."""
    service_request = get_visible(request.user, tracking_code)
    if service_request.citizen_id != request.user.pk:
        raise Http404
    return _rating_page(request, service_request, via="portal")


def _rating_page(request: HttpRequest, service_request: ServiceRequest, via: str) -> HttpResponse:
    rating = Rating.objects.filter(request=service_request).first()
    context = {"req": service_request, "rating": rating, "via": via}
    if rating is not None:
        if request.method == "POST":
            context["error"] = _("You have already rated this request. Thank you.")
            return render(request, "feedback/rate.html", context, status=409)
        return render(request, "feedback/rate.html", context)
    if not services.was_delivered(service_request):
        context["error"] = _("A request can be rated once it has been delivered.")
        return render(request, "feedback/rate.html", context, status=400)
    form = RatingForm(data=request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.rate(
                    service_request,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                    via=via,
                )
            except services.FeedbackError as exc:
                if exc.code == "already_rated":
                    context["error"] = exc.message
                    return render(request, "feedback/rate.html", context, status=409)
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                messages.success(request, _("Thank you: your rating was recorded."))
                return redirect(request.get_full_path())
        context["form"] = form
        return render(request, "feedback/rate.html", context, status=400)
    context["form"] = form
    return render(request, "feedback/rate.html", context)


@regulator_only
def queue(request: HttpRequest) -> HttpResponse:
    """The regulator's complaints, open ones first by age; filtered by status, province, kind
    and office."""
    status = request.GET.get("status", ComplaintStatus.OPEN)
    kind = request.GET.get("kind", "")
    provinces = list(Province.objects.order_by("name_fa"))
    province = next((p for p in provinces if p.sci_code == request.GET.get("province")), None)
    office = None
    licence = request.GET.get("office", "")[:20]
    if licence:
        office = Office.objects.filter(licence_number=licence).first()
        if office is None:
            messages.error(request, _("No office has that licence number."))
    rows = selectors.complaint_queue(
        request.user,
        status=status,
        province_id=province.pk if province else None,
        kind=kind,
        office_id=office.pk if office else (-1 if licence else None),
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {
        k: v
        for k, v in {
            "status": status,
            "kind": kind,
            "province": province.sci_code if province else "",
            "office": licence,
        }.items()
        if v
    }
    return render(
        request,
        "feedback/queue.html",
        {
            "page": page,
            "status": status,
            "kind": kind,
            "province": province,
            "provinces": provinces,
            "office": office,
            "licence": licence,
            "statuses": ComplaintStatus.choices,
            "kinds": ComplaintKind.choices,
            "query": urlencode(filters),
        },
    )


@roles_required(Role.REGULATOR, Role.NATIONAL_ADMIN, Role.OFFICE_MANAGER)
@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest, pk: int) -> HttpResponse:
    """The regulator decides a complaint here; an office manager sees an order to give money
    back (only those: ``Complaint.objects.visible_to``) and records having done it."""
    item = (
        Complaint.objects.visible_to(request.user)
        .select_related(
            "request__service", "office__province", "citizen", "resolved_by", "province"
        )
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    if request.method == "POST" and request.POST.get("do") == "repaid":
        return _record_repaid(request, item)
    can_decide = services.may_decide(request.user)  # type: ignore[arg-type]
    if request.method == "POST" and not can_decide:
        raise Http404  # an office never decides
    excess = item.excess_rials
    form = ResolutionForm(
        data=request.POST or None, initial={"repay": excess if excess and excess > 0 else ""}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.resolve_complaint(
                    item.pk,
                    request.user,  # type: ignore[arg-type]
                    upheld=form.cleaned_data["decision"] == ComplaintStatus.UPHELD,
                    reason=form.cleaned_data["reason"],
                    # The field's value as the regulator left it: empty is nothing ordered back.
                    repay_rials=(form.cleaned_data["repay"] or 0)
                    if item.kind == ComplaintKind.OVERCHARGE
                    and form.cleaned_data["decision"] == ComplaintStatus.UPHELD
                    else None,
                )
            except services.FeedbackError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                messages.success(
                    request, _("The decision was recorded and the citizen told by SMS.")
                )
                return redirect("feedback:complaint", pk=item.pk)
        status = 400
    return render(
        request,
        "feedback/complaint.html",
        {
            "item": item,
            "form": form,
            "can_decide": can_decide,
            "history": events_for(services.COMPLAINT_SUBJECT, item.pk),
        },
        status=status,
    )


def _record_repaid(request: HttpRequest, item: Complaint) -> HttpResponse:
    try:
        services.record_repaid(item.pk, request.user)  # type: ignore[arg-type]
    except services.FeedbackError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Recorded: the citizen was told by SMS."))
    return redirect("feedback:complaint", pk=item.pk)


@roles_required(Role.OFFICE_MANAGER)
def repayments(request: HttpRequest) -> HttpResponse:
    """What upheld overcharges ordered the manager's office to give back, owed ones first."""
    rows = (
        Complaint.objects.visible_to(request.user)
        .select_related("request__service", "citizen")
        .order_by(F("repaid_at").desc(nulls_first=True), "-resolved_at", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "feedback/repayments.html", {"page": page})
