"""The provincial supervisor's read-only page of one request of the province (decision 67):
what the agency's officer sees of it, without the acts, the documents or the citizen's identity.
``get_visible`` decides and notes the opening for the citizen, as it does for every staff page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from pishkhan.accounts.access import roles_required
from pishkhan.accounts.roles import Role

from ..selectors import form_rows, get_visible, sla_state, timeline


@roles_required(Role.PROVINCIAL_SUPERVISOR)
@require_safe  # read-only: there is nothing to post here
def request_detail(request: HttpRequest, tracking_code: str) -> HttpResponse:
    service_request = get_visible(request.user, tracking_code)
    return render(
        request,
        "cases/province_request.html",
        {
            "req": service_request,
            "timeline": timeline(service_request),
            "form_rows": form_rows(service_request),
            "sla": sla_state(service_request),
            # Documents are named, never opened (decision 67): the attachment view refuses the
            # supervisor as it refuses every role not in it.
            "documents_closed": True,
            "hide_citizen": True,
        },
    )
