"""Public tracking: tracking code + national code → status and a short timeline."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ..forms import TrackForm
from ..models import ServiceRequest
from ..selectors import timeline

TRACK_FIELDS = (
    "tracking_code",
    "status",
    "sla_due_on",
    "service__name_fa",
    "service__name_en",
    "workflow__definition",
)


def client_address(request: HttpRequest) -> str:
    # Behind the TLS proxy, nginx puts the client first in X-Forwarded-For.
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "unknown")


def over_rate_limit(request: HttpRequest, bucket: str, per_minute: int) -> bool:
    """Count this request in the client's bucket for the current minute."""
    minute = timezone.now().strftime("%Y%m%d%H%M")
    key = f"rate:{bucket}:{client_address(request)}:{minute}"
    try:
        count = cache.incr(key)  # the minute's counter usually exists: one cache call
    except ValueError:
        if cache.add(key, 1, 90):
            count = 1
        else:  # another request created it meanwhile
            try:
                count = cache.incr(key)
            except ValueError:  # and it expired already
                cache.set(key, 1, 90)
                count = 1
    return count > per_minute


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(data=request.POST or None)
    context: dict[str, object] = {"form": form}
    status = 200
    if request.method == "POST":
        if over_rate_limit(request, "track", settings.PISHKHAN_TRACK_PER_MINUTE):
            context["rate_limited"] = True
            return render(request, "cases/track.html", context, status=429)
        if form.is_valid():
            found = (
                ServiceRequest.objects.select_related("service", "workflow")
                # Only what the page shows: not the form data, fees or the service's texts.
                .only(*TRACK_FIELDS)
                .filter(
                    tracking_code=form.cleaned_data["tracking_code"],
                    citizen__national_code=form.cleaned_data["national_code"],
                )
                .first()
            )
            if found is None:
                # The same answer whether the code does not exist or the national code is
                # wrong: a look-up reveals nothing about other people's requests.
                context["not_found"] = True
                status = 404
            else:
                context["found"] = found
                context["state_label"] = found.definition.state_label(
                    found.status, request.LANGUAGE_CODE
                )  # type: ignore[attr-defined]
                context["timeline"] = timeline(found, public=True)
        else:
            status = 400
    return render(request, "cases/track.html", context, status=status)
