"""Public tracking: tracking code + national code → status and a short timeline."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from pishkhan.core.ratelimit import over_rate_limit

from .. import selectors
from ..forms import TrackForm


# No CSRF token: the look-up changes nothing and its answer goes only to the page that asked,
# so a forged one gains nothing (the per-client limit still counts it); and the busiest answer
# skips the token check (docs/performance.md).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """The page; to an htmx look-up from it, only the answer (``_track_answer.html``), or the form
    and answer when the form needs correcting."""
    form = TrackForm(data=request.POST or None)
    context: dict[str, object] = {"form": form}
    status = 200
    if request.method == "POST":
        if over_rate_limit(request, "track", settings.PISHKHAN_TRACK_PER_MINUTE):
            context["rate_limited"] = True
            status = 429
        elif form.is_valid():
            answer = selectors.track(
                form.cleaned_data["tracking_code"], form.cleaned_data["national_code"]
            )
            if answer is None:
                # The same answer whether the code does not exist or the national code is
                # wrong: a look-up reveals nothing about other people's requests.
                context["not_found"] = True
                status = 404
            else:
                context["answer"] = answer
        else:
            status = 400
    if request.method != "POST" or request.META.get("HTTP_HX_REQUEST") != "true":
        return render(request, "cases/track.html", context, status=status)
    if status != 400 and request.META.get("HTTP_HX_TARGET") == "track-answer":
        return render(request, "cases/_track_answer.html", context, status=status)
    response = render(request, "cases/_track.html", context, status=status)
    # The form's fields carry the errors: replace the form and answer, not the answer alone.
    response["HX-Retarget"] = "#track"
    response["HX-Reswap"] = "outerHTML"
    return response
