"""Public tracking: tracking code + national code → status and a short timeline."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template import Context, engines
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from pishkhan.core.identifiers import IdentifierError, normalize_national_code
from pishkhan.core.ratelimit import over_rate_limit
from pishkhan.core.text import normalize

from .. import selectors
from ..forms import TrackForm, clean_tracking_code

ANSWER_TEMPLATE = "cases/_track_answer.html"


# No CSRF token: the look-up changes nothing and its answer goes only to the page that asked,
# so a forged one gains nothing (the per-client limit still counts it); and the busiest answer
# skips the token check (docs/performance.md).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """The page; to an htmx look-up from it, only the answer (``_track_answer.html``), or the form
    and answer when the form needs correcting."""
    if (
        request.method == "POST"
        and request.META.get("HTTP_HX_REQUEST") == "true"
        and request.META.get("HTTP_HX_TARGET") == "track-answer"
    ):
        return _answer_only(request)
    form = TrackForm(data=request.POST or None)
    context: dict[str, object] = {"form": form}
    status = 200
    if request.method == "POST":
        if over_rate_limit(request, "track", settings.PISHKHAN_TRACK_PER_MINUTE):
            context["rate_limited"] = True
            status = 429
        elif form.is_valid():
            status = _look_up(
                form.cleaned_data["tracking_code"], form.cleaned_data["national_code"], context
            )
        else:
            status = 400
    if request.method != "POST" or request.META.get("HTTP_HX_REQUEST") != "true":
        return render(request, "cases/track.html", context, status=status)
    return _form_to_correct(request, context, status)


def _look_up(tracking_code: str, national_code: str, context: dict[str, object]) -> int:
    answer = selectors.track(tracking_code, national_code)
    if answer is None:
        # The same answer whether the code does not exist or the national code is wrong: a
        # look-up reveals nothing about other people's requests.
        context["not_found"] = True
        return 404
    context["answer"] = answer
    return 200


def _answer_only(request: HttpRequest) -> HttpResponse:
    """The htmx look-up, the platform's busiest request (docs/performance.md): the two codes are
    checked without building the form when they are well-formed, and the answer is rendered
    from the kept template without context processors (it shows none of their values). A
    malformed code goes the form's way, which says what is wrong with it."""
    if over_rate_limit(request, "track", settings.PISHKHAN_TRACK_PER_MINUTE):
        return _render_answer({"rate_limited": True}, 429)
    codes = well_formed_codes(request.POST)
    if codes is None:
        form = TrackForm(data=request.POST)
        context: dict[str, object] = {"form": form}
        if not form.is_valid():
            return _form_to_correct(request, context, 400)
        codes = form.cleaned_data["tracking_code"], form.cleaned_data["national_code"]
    context = {}
    status = _look_up(*codes, context)
    return _render_answer(context, status)


def _form_to_correct(request: HttpRequest, context: dict[str, Any], status: int) -> HttpResponse:
    if status != 400 and request.META.get("HTTP_HX_TARGET") == "track-answer":
        return _render_answer(context, status)
    # The form's fields carry the errors (or carried them): replace the form; the answer goes
    # into the page's live region out of band, which stays the same node (cases/_track.html).
    context["answer_out_of_band"] = True
    response = render(request, "cases/_track.html", context, status=status)
    response["HX-Retarget"] = "#track"
    response["HX-Reswap"] = "outerHTML"
    return response


def well_formed_codes(data: QueryDict) -> tuple[str, str] | None:
    """(tracking code, national code) as ``TrackForm`` cleans them, when both are valid; None
    when either is not (the form then says why). The same rules as the form's fields, without
    the form: tests/cases/test_tracking_fast_path.py holds the two to the same answers."""
    raw_code = normalize(data.get("tracking_code", "") or "")
    raw_national = normalize(data.get("national_code", "") or "")
    if not raw_code or not raw_national or len(raw_code) > 20 or len(raw_national) > 20:
        return None
    try:
        return clean_tracking_code(raw_code), normalize_national_code(raw_national)
    except (ValidationError, IdentifierError):
        return None


@cache
def _kept_answer_template() -> Any:
    return engines["django"].get_template(ANSWER_TEMPLATE).template  # type: ignore[attr-defined]


def _render_answer(context: dict[str, Any], status: int) -> HttpResponse:
    """The answer fragment. It uses no context processor's value (no request, user, CSRF token
    or messages), so a plain Context does; the compiled template is kept per process except
    in development, where templates are read again as they change."""
    if settings.DEBUG:
        template = engines["django"].get_template(ANSWER_TEMPLATE).template  # type: ignore[attr-defined]
    else:
        template = _kept_answer_template()
    return HttpResponse(template.render(Context(context)), status=status)
