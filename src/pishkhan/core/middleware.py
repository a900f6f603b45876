"""Language choice: Persian unless the person chose English with the switcher.

The browser's Accept-Language is deliberately ignored: many people in Iran run browsers set to
English, and a government service should not greet them in a language they did not choose.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class PersianFirstLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class NulCharacter(SuspiciousOperation):
    """A NUL character in the query string: answered 400 (``handler400``)."""


class NulInPathMiddleware:
    """No NUL character reaches a view through the address. Views pass path segments and query
    values to queries, and PostgreSQL refuses NUL in text with an error, which would be a 500.
    A path with one names nothing (404); a query string with one is a bad request (400). Forms
    refuse NUL in what they read on their own, bodies included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            raise Http404
        if "%00" in request.META.get("QUERY_STRING", ""):
            raise NulCharacter("A NUL character in the query string.")
        return self.get_response(request)


# Every page's scripts, styles, images and fonts come from this server (decision 56). Scripts
# only from files, never inline or from an attribute: a name, a comment or a reason a person
# typed that slipped past escaping could not run. Styles may be inline (style attributes, and
# htmx's indicator styles). Images may be data: URIs (the QR codes of receipts and
# certificates). form-action is not limited: paying posts to this server, which sends the
# browser on to the bank's gateway, and browsers apply form-action to that redirect too.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Sends CONTENT_SECURITY_POLICY with every HTML answer that has none of its own (the API's
    reference pages set a stricter one). Django's debug error page, shown only with DEBUG,
    keeps its inline script working."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            "Content-Security-Policy" not in response.headers
            and response.headers.get("Content-Type", "").startswith("text/html")
            and not (settings.DEBUG and response.status_code >= 500)
        ):
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response
