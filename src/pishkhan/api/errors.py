"""The API's one error shape (design.md, public interfaces):

    {"error": {"code": "...", "message": "...", "fields": {"<field>": ["...", ...]}}}

``code`` is stable and for programs; ``message`` is for people, in Persian unless English was
chosen (the same language cookie as the pages); ``fields`` names each rejected field with what
is wrong with it (empty when the error is not about fields). Every error the API can answer —
DRF's own, a 404 for an unknown address under /api/, a server error — has this shape.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from pishkhan.core import views as core_views
from pishkhan.core.i18n import active_language
from pishkhan.core.text import digits_for_language

from . import open311

API_PREFIX = "/api/"
OPEN311_PREFIX = "/open311/"  # errors in Open311's own shape there (api.open311)


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


# DRF's messages that carry a limit (its catalogue writes the figure in Latin digits).
WITH_A_FIGURE = {
    "max_value",
    "min_value",
    "max_length",
    "min_length",
    "max_digits",
    "max_decimal_places",
    "max_whole_digits",
    "max_string_length",
}


def _said(detail: Any) -> str:
    """One message, in our words where DRF's Persian falls short: its "may not be null" reads
    «توهی» (a typo in its catalogue), and its limits come in Latin digits."""
    code = getattr(detail, "code", None)
    if code == "null":
        return _("This field may not be null; send a value.")
    if code in WITH_A_FIGURE:
        return digits_for_language(detail, active_language())
    return str(detail)


def _messages(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _messages(value)]
    if isinstance(detail, list):
        return [m for item in detail for m in _messages(item)]
    return [_said(detail)]


def _fields(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(name): _messages(value) for name, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _accepted_bodies(view: Any) -> str:
    """What the address reads, said as it is: the office filing reads only forms (its documents
    are files), so it must not invite JSON."""
    types = {parser.media_type for parser in getattr(view, "parser_classes", [])}
    if "application/json" in types:
        return _("Send the body as JSON (application/json) or as a form.")
    return _(
        "This address reads only a form: send the body as multipart/form-data (with the "
        "documents' files) or application/x-www-form-urlencoded, not JSON."
    )


def _describe(exc: Exception, view: Any = None) -> tuple[str, str, dict[str, list[str]]]:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid", _("Some fields are not valid; see fields."), _fields(exc.detail)
    if isinstance(exc, exceptions.ParseError):
        return "malformed", _("The request's body could not be read: send valid JSON."), {}
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return "unsupported_media_type", _accepted_bodies(view), {}
    if isinstance(exc, exceptions.NotFound):
        # Our views raise NotFound with a message of their own; DRF's default is generic.
        detail = str(exc.detail)
        if detail == str(exceptions.NotFound.default_detail):
            detail = _("Nothing was found at this address.")
        return "not_found", detail, {}
    if isinstance(exc, exceptions.Throttled):
        return "rate_limited", str(exc.detail), {}
    if isinstance(exc, exceptions.APIException):
        return str(exc.default_code), str(exc.detail), {}
    return "error", _("The request could not be answered."), {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (which also turns Django's Http404 into NotFound), then our shape."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: a server error, answered by server_error below
    if isinstance(exc, exceptions.MethodNotAllowed):
        method = context["request"].method
        message = _("This address does not accept the %(method)s method.") % {"method": method}
        response.data = error_body("method_not_allowed", message)
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    code, message, fields = _describe(exc, context.get("view"))
    response.data = error_body(code, message, fields)
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site's 400 for what Django refuses before any view (a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE, a host not allowed): JSON under /api/, Django's page elsewhere."""
    if request.path.startswith(OPEN311_PREFIX):
        return open311.error(
            open311.format_of(request.path), 400, _("The request could not be read.")
        )
    if not request.path.startswith(API_PREFIX):
        return defaults.bad_request(request, exception)  # type: ignore[arg-type]
    if isinstance(exception, RequestDataTooBig):
        body = error_body("too_large", _("The request is too large."))
        status = 413
    else:
        body = error_body("bad_request", _("The request could not be read."))
        status = 400
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site's 404: JSON under /api/, Open311's shape under /open311/, the page elsewhere."""
    if request.path.startswith(OPEN311_PREFIX):
        message = _("Nothing was found at this address.")
        return open311.error(open311.format_of(request.path), 404, message)
    if request.path.startswith(API_PREFIX):
        body = error_body("not_found", _("Nothing was found at this address."))
        return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False})
    return core_views.page_not_found(request, exception)


def unknown_address(request: HttpRequest, rest: str = "") -> HttpResponse:
    """The last of the API's addresses: anything else under /api/ is the JSON 404 here, also
    with DEBUG on (where Django would answer its HTML debug page instead of handler404). An
    address that only lacks its final slash is still sent to it, as CommonMiddleware does when
    nothing matches (APPEND_SLASH)."""
    path = request.path_info
    if settings.APPEND_SLASH and not path.endswith("/"):
        try:
            match = resolve(path + "/", getattr(request, "urlconf", None))
        except Resolver404:
            match = None
        if match is not None and match.func is not unknown_address:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return page_not_found(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """The site's 500: JSON under /api/, Open311's shape under /open311/, the page elsewhere.
    Nothing about the fault is said."""
    message = _("Something went wrong on our side. Please try again later.")
    if request.path.startswith(OPEN311_PREFIX):
        return open311.error(open311.format_of(request.path), 500, message)
    if request.path.startswith(API_PREFIX):
        body = error_body("server_error", message)
        return JsonResponse(body, status=500, json_dumps_params={"ensure_ascii": False})
    return core_views.server_error(request)
