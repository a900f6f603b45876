"""The regulator's and the provinces' licensing pages, and the applicant's form."""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from pishkhan.accounts.access import roles_required
from pishkhan.accounts.roles import FEE_CAP_SETTERS, Role
from pishkhan.core.audit import events_for
from pishkhan.core.downloads import document_response
from pishkhan.core.i18n import active_language
from pishkhan.core.models import County, Province
from pishkhan.core.text import digits_for_language
from pishkhan.offices import caps
from pishkhan.offices.models import Office, OfficeStatus

from . import services
from .forms import (
    ApplicationForm,
    CapacityForm,
    FeeCapForm,
    ReasonForm,
    StepForm,
    SuspendForm,
)
from .models import LicenceApplication

REVIEWERS = (Role.REGULATOR, Role.PROVINCIAL_ICT, Role.NATIONAL_ADMIN)
reviewers = roles_required(*REVIEWERS)
regulator_only = roles_required(Role.REGULATOR, Role.NATIONAL_ADMIN)
capacity_viewers = roles_required(
    Role.REGULATOR,
    Role.NATIONAL_ADMIN,
    Role.WORKING_GROUP,
    Role.PROVINCIAL_SUPERVISOR,
    Role.PROVINCIAL_ICT,
)


@roles_required(Role.CITIZEN, login_url="cases:portal_login")
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    form = ApplicationForm(data=request.POST or None, files=request.FILES or None)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            application = services.apply(request.user, documents=form.documents(), **fields)  # type: ignore[arg-type]
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, _("Your application was filed. The province's ICT office will review it.")
            )
            return redirect("licensing:application", pk=application.pk)
    return render(request, "licensing/apply.html", {"form": form})


# Who may open an application's page — and so its documents: the reviewers, the applicant, the
# province's working group and supervisor (each within LicenceApplication.visible_to).
application_readers = roles_required(
    *REVIEWERS, Role.CITIZEN, Role.WORKING_GROUP, Role.PROVINCIAL_SUPERVISOR
)


def _visible_application(request: HttpRequest, pk: int) -> LicenceApplication:
    item = (
        LicenceApplication.objects.visible_to(request.user)
        .select_related("county__province", "workflow", "office")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    return item


@application_readers
@require_http_methods(["GET", "POST"])
def application(request: HttpRequest, pk: int) -> HttpResponse:
    item = _visible_application(request, pk)
    if request.method == "POST":
        form = StepForm(data=request.POST)
        if form.is_valid():
            try:
                services.act(
                    item.pk,
                    form.cleaned_data["action"],
                    request.user,  # type: ignore[arg-type]
                    comment=form.cleaned_data["comment"],
                    expected_version=form.cleaned_data["version"],
                )
            except services.LicensingError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(request, _("Done: the application's status was updated."))
        return redirect("licensing:application", pk=item.pk)
    definition = item.workflow.parsed
    language = request.LANGUAGE_CODE  # type: ignore[attr-defined]
    history = [
        (e, definition.state_label(e.to_state, language))
        for e in events_for(services.SUBJECT, item.pk)
    ]
    return render(
        request,
        "licensing/application.html",
        {
            "item": item,
            "history": history,
            "actions": definition.available(item.status, request.user.role),  # type: ignore[union-attr]
            "capacity": services.capacity_state(item.county),
            "documents": item.documents.order_by("pk"),
            "today": timezone.localdate(),
        },
    )


@application_readers
def application_document(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    """One of an application's documents, to whoever may open the application (else 404)."""
    item = _visible_application(request, pk)
    document = item.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404
    try:
        return document_response(
            document.file,
            content_type=document.content_type,
            as_attachment=False,
            filename=PurePath(document.file.name).name,
        )
    except OSError as exc:  # the row outlived its file: not found, never a server error
        raise Http404 from exc


@reviewers
def queue(request: HttpRequest) -> HttpResponse:
    items = LicenceApplication.objects.visible_to(request.user).select_related(
        "county__province", "workflow"
    )
    status = request.GET.get("status", "")
    if status:
        items = items.filter(status=status)
    return render(request, "licensing/queue.html", {"items": items[:200], "status": status})


@regulator_only
def offices(request: HttpRequest) -> HttpResponse:
    rows = Office.objects.select_related("province", "county").order_by(
        "province__name_fa", "licence_number"
    )
    status = request.GET.get("status", "")
    if status:
        rows = rows.filter(status=status)
    return render(request, "licensing/offices.html", {"offices": rows, "status": status})


@regulator_only
@require_http_methods(["GET", "POST"])
def office(request: HttpRequest, licence_number: str) -> HttpResponse:
    item = get_object_or_404(
        Office.objects.select_related("province", "county"), licence_number=licence_number
    )
    suspend_form, reason_form = SuspendForm(prefix="s"), ReasonForm(prefix="r")
    if request.method == "POST":
        action = request.POST.get("do", "")
        try:
            if action == "suspend":
                suspend_form = SuspendForm(data=request.POST, prefix="s")
                if suspend_form.is_valid():
                    services.suspend(
                        item.pk,
                        request.user,
                        reason=suspend_form.cleaned_data["reason"],  # type: ignore[arg-type]
                        until=suspend_form.cleaned_data["until"],
                    )
                    return _done(request, item)
            elif action in ("revoke", "reinstate"):
                reason_form = ReasonForm(data=request.POST, prefix="r")
                if reason_form.is_valid():
                    step = services.revoke if action == "revoke" else services.reinstate
                    step(item.pk, request.user, reason=reason_form.cleaned_data["reason"])  # type: ignore[arg-type]
                    return _done(request, item)
            elif action == "renew":
                services.renew(item.pk, request.user)  # type: ignore[arg-type]
                return _done(request, item)
        except services.LicensingError as exc:
            messages.error(request, str(exc.message))
    licence = services.current_licence(item)
    return render(
        request,
        "licensing/office.html",
        {
            "office": item,
            "licence": licence,
            "renewal": services.renewal_terms(licence, lapsed=item.status == OfficeStatus.EXPIRED),
            "suspend_form": suspend_form,
            "reason_form": reason_form,
            "history": services.office_history(item, active_language()),
            # What the regulator may do now: the steps the licence workflow allows.
            "allowed": services.office_steps(item, request.user.role),  # type: ignore[union-attr]
            "suspension": item.suspensions.filter(lifted_at__isnull=True).first(),
        },
    )


def _done(request: HttpRequest, item: Office) -> HttpResponse:
    messages.success(request, _("Done: the licence was updated."))
    return redirect("licensing:office", licence_number=item.licence_number)


@capacity_viewers
@require_http_methods(["GET", "POST"])
def capacity(request: HttpRequest, sci_code: str) -> HttpResponse:
    province = get_object_or_404(Province, sci_code=sci_code)
    user = request.user
    if (
        user.role in (Role.WORKING_GROUP, Role.PROVINCIAL_SUPERVISOR, Role.PROVINCIAL_ICT)
        and user.province_id != province.pk
    ):  # type: ignore[union-attr]
        raise Http404
    can_decide = user.role in (Role.WORKING_GROUP, Role.NATIONAL_ADMIN)  # type: ignore[union-attr]
    # The row's own ids (licensing/_capacity_form.html), so that the error summary links to the
    # fields of the county that was sent.
    sent_county = str(request.POST.get("county", ""))
    form = CapacityForm(
        data=request.POST or None,
        auto_id=f"cap-{sent_county}-%s" if sent_county.isdigit() else "id_%s",
    )
    if request.method == "POST":
        if not can_decide:
            raise Http404
        if form.is_valid():
            county = County.objects.filter(
                pk=form.cleaned_data["county"], province=province
            ).first()
            if county is None:
                raise Http404
            try:
                services.set_capacity(
                    county,
                    form.cleaned_data["capacity"],
                    form.cleaned_data["effective_from"],
                    form.cleaned_data["note"],
                    user,
                )  # type: ignore[arg-type]
            except (ValidationError, services.LicensingError) as exc:
                messages.error(
                    request, " ".join(getattr(exc, "messages", [str(getattr(exc, "message", exc))]))
                )
            else:
                messages.success(request, _("The capacity decision was recorded."))
                return redirect("licensing:capacity", sci_code=sci_code)
    # The row sent with a mistake keeps what was typed, each wrong field marked and saying why;
    # the summary above the table names the county and links to the fields (decision 55).
    retry = form if request.method == "POST" and not form.is_valid() else None
    retry_county = (
        County.objects.filter(pk=sent_county, province=province).first()
        if retry and sent_county.isdigit()
        else None
    )
    return render(
        request,
        "licensing/capacity.html",
        {
            "province": province,
            "rows": services.capacity_table(province),
            "can_decide": can_decide,
            "people_per_office": services.PEOPLE_PER_OFFICE,
            "retry_county": sent_county if retry else "",
            "retry_county_name": retry_county.name_fa if retry_county else "",
            "retry": retry,
        },
    )


@regulator_only
@require_http_methods(["GET", "POST"])
def ranking(request: HttpRequest) -> HttpResponse:
    from .models import RankingRun
    from .ranking import run_ranking

    if request.method == "POST":
        run_ranking(request.user)  # type: ignore[arg-type]
        messages.success(
            request, _("The ranking was run; offices' ranks and service shares are updated.")
        )
        return redirect("licensing:ranking")
    run = RankingRun.objects.first()
    ranks = (
        run.ranks.select_related("office__province").order_by(
            "office__province__name_fa", "rank", "-score"
        )
        if run
        else []
    )
    return render(request, "licensing/ranking.html", {"run": run, "ranks": ranks})


@roles_required(*FEE_CAP_SETTERS)
@require_http_methods(["GET", "POST"])
def fee_caps(request: HttpRequest) -> HttpResponse:
    """The office-fee cap of each service offered at offices, and the regulator's form for a new
    one from a day (offices.caps.set_office_cap decides; nothing is saved on a refusal)."""
    services = caps.services_with_caps()
    if request.method == "POST":
        form = FeeCapForm(data=request.POST, services=services)
        if form.is_valid():
            data = form.cleaned_data
            try:
                change = caps.set_office_cap(
                    data["service"],
                    data["amount"],
                    data["effective_from"],
                    data["reason"],
                    request.user,  # type: ignore[arg-type]
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                done = _("The new cap was recorded.")
                if change.offices_above:
                    done += " " + ngettext(
                        "%(n)s office charges more than it; its manager was told by SMS.",
                        "%(n)s offices charge more than it; their managers were told by SMS.",
                        change.offices_above,
                    ) % {"n": digits_for_language(change.offices_above, active_language())}
                messages.success(request, done)
                return redirect("licensing:fee_caps")
    else:
        chosen = services.filter(code=request.GET.get("service", "")[:80]).first()
        form = FeeCapForm(initial={"service": chosen.code if chosen else None}, services=services)
    return render(
        request,
        "licensing/fee_caps.html",
        {"rows": caps.cap_table(), "form": form, "today": timezone.localdate()},
    )
