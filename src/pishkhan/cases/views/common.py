from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from pishkhan.accounts.models import User
from pishkhan.catalog.models import Service
from pishkhan.offices.models import Office, OfficeService

from .. import held
from ..forms import ServiceRequestForm, TransitionForm
from ..models import ServiceRequest
from ..selectors import form_rows, get_visible, sla_state, timeline
from ..services import RequestError, Upload, fee_lines_for, submit, transition


def act_on_request(
    request: HttpRequest,
    service_request: ServiceRequest,
    detail_view: str,
    page: Callable[[TransitionForm], HttpResponse] | None = None,
) -> HttpResponse:
    """Apply a workflow action posted from a request page, then show the page again. A missing
    reason is the reason box's own error: with ``page`` (the page that has the box), the page is
    shown again with the box marked and what was typed kept (decision 55); other refusals are a
    message above the page."""
    form = TransitionForm(data=request.POST)
    if form.is_valid():
        try:
            transition(
                service_request.pk,
                form.cleaned_data["action"],
                request.user,  # type: ignore[arg-type]
                comment=form.cleaned_data["comment"],
                expected_version=form.cleaned_data["version"],
            )
        except RequestError as exc:
            if exc.code == "comment_required" and page is not None:
                form.add_error("comment", exc.message)
            else:
                messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Done: the request's status was updated."))
            return redirect(detail_view, tracking_code=service_request.tracking_code)
    if page is not None and "comment" in form.errors:
        return page(form)
    if form.errors:
        messages.error(
            request, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
    return redirect(detail_view, tracking_code=service_request.tracking_code)


def request_page(
    request: HttpRequest, tracking_code: str, template: str, detail_view: str
) -> HttpResponse:
    """A request's page for staff (GET), or a workflow action on it (POST). Out of scope: 404."""
    service_request = get_visible(request.user, tracking_code)
    role = request.user.role  # type: ignore[union-attr]

    def page(action_form: TransitionForm) -> HttpResponse:
        return render(
            request,
            template,
            {
                "req": service_request,
                "timeline": timeline(service_request),
                "form_rows": form_rows(service_request),
                "sla": sla_state(service_request),
                "actions": service_request.definition.available(service_request.status, role),
                "action_form": action_form,
            },
        )

    if request.method == "POST":
        return act_on_request(request, service_request, detail_view, page)
    return page(TransitionForm())


def filing_page(
    request: HttpRequest,
    service: Service,
    *,
    citizen: User,
    channel: str,
    office: Office | None,
    template: str,
    detail_view: str,
    filed_message: str,
    context: dict[str, Any],
    offering: OfficeService | None = None,
) -> HttpResponse:
    """The request form of a service (GET) and its submission (POST), for the counter and the
    portal alike: one click makes one request, a refusal shows its reason on the form."""
    if request.method == "POST":
        files = held.files_with_held(request.POST, request.FILES, request.user)
        form = ServiceRequestForm(service, data=request.POST, files=files)
        if form.is_valid():
            try:
                created, is_new = submit(
                    service=service,
                    citizen=citizen,
                    channel=channel,
                    actor=request.user,  # type: ignore[arg-type]
                    office=office,
                    form_values=form.form_values(),
                    uploads=[Upload(doc.pk if doc else None, f) for doc, f in form.uploads()],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    offering=offering,
                )
            except RequestError as exc:
                form.add_error(None, exc.message)
            else:
                held.release(files)
                if is_new:
                    messages.success(request, filed_message)
                return redirect(detail_view, tracking_code=created.tracking_code)
        held.keep_for_the_next_try(form, request.user)
    else:
        # A link may fill in form fields (``?student_national_code=…`` from the portal's records):
        # only the service's own fields, and only as a suggestion the citizen sees and can change.
        prefill = {
            f"field_{spec.key}": request.GET[spec.key][:200]
            for spec in service.fields.all()
            if spec.key in request.GET
        }
        form = ServiceRequestForm(
            service, initial={"idempotency_key": secrets.token_urlsafe(24), **prefill}
        )
    lines = fee_lines_for(service, channel, office, timezone.localdate(), offering=offering)
    return render(
        request,
        template,
        {
            **context,
            "service": service,
            "form": form,
            "fee_lines": lines,
            "fee_total": sum(line["amount"] for line in lines),
        },
    )
