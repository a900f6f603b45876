from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ..forms import TransitionForm
from ..models import ServiceRequest
from ..services import RequestError, transition


def act_on_request(
    request: HttpRequest, service_request: ServiceRequest, detail_view: str
) -> HttpResponse:
    """Apply a workflow action posted from a request page, then show the page again."""
    form = TransitionForm(data=request.POST)
    if not form.is_valid():
        messages.error(
            request, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
    else:
        try:
            transition(
                service_request.pk,
                form.cleaned_data["action"],
                request.user,  # type: ignore[arg-type]
                comment=form.cleaned_data["comment"],
                expected_version=form.cleaned_data["version"],
            )
        except RequestError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Done: the request's status was updated."))
    return redirect(detail_view, tracking_code=service_request.tracking_code)
