"""The API's one error shape (design.md, public interfaces):

    {"error": {"code": "...", "message": "...", "fields": {"<field>": ["...", ...]}}}

``code`` is stable and for programs; ``message`` is for people, in Persian unless English was
chosen (the same language cookie as the pages); ``fields`` names each rejected field with what
is wrong with it (empty when the error is not about fields). Every error the API can answer —
DRF's own, a 404 for an unknown address under /api/, a server error — has this shape.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from pishkhan.core import views as core_views

from . import open311

API_PREFIX = "/api/"
OPEN311_PREFIX = "/open311/"  # errors in Open311's own shape there (api.open311)


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _messages(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _messages(value)]
    if isinstance(detail, list):
        return [m for item in detail for m in _messages(item)]
    return [str(detail)]


def _fields(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(name): _messages(value) for name, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _describe(exc: Exception) -> tuple[str, str, dict[str, list[str]]]:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid", _("Some fields are not valid; see fields."), _fields(exc.detail)
    if isinstance(exc, exceptions.ParseError):
        return "malformed", _("The request's body could not be read: send valid JSON."), {}
    if isinstance(exc, exceptions.UnsupportedMediaType):
        message = _("Send the body as JSON (application/json) or as a form.")
        return "unsupported_media_type", message, {}
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
    code, message, fields = _describe(exc)
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
