"""The API's reference for people, at /api/docs/ (Redoc) and /api/swagger/ (Swagger UI, to try
calls): drf-spectacular's views, with Redoc's and Swagger UI's scripts served from this server
by drf-spectacular-sidecar, never from a CDN, which many of the networks our partners work on do
not reach (decision 51). Both pages are in English, as the schema they read is."""

from __future__ import annotations

from typing import Any

from django.http.response import HttpResponseBase
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

# What the pages may load: everything from this server, nothing from anywhere else. Scripts
# only from files (no 'unsafe-inline': hence Redoc's options as attributes and Swagger UI's
# split view). Both inject their own styles, Swagger UI draws icons as data: images, and
# Redoc's search runs in a worker made from a blob. The one thing it refuses in practice is
# Redoc's "API docs by Redocly" logo, which Redoc fetches from cdn.redoc.ly and hides when
# it does not load.
POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class _Page:
    """A page under /api/ answers its errors (a POST, an Accept it cannot give) in the API's
    JSON shape, like every other address there, not as an HTML fragment; and its answers carry
    the policy above, so a browser fetches nothing from another host."""

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        response.headers["Content-Security-Policy"] = POLICY
        return response

    def handle_exception(self, exc: Exception) -> Response:
        response: Response = super().handle_exception(exc)  # type: ignore[misc]
        request = self.request  # type: ignore[attr-defined]
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
        return response


class Reference(_Page, SpectacularRedocView):
    """Redoc: the whole API on one page, to read. Its options are attributes of the <redoc>
    element (api/redoc.html), so the page has no inline script."""

    template_name = "api/redoc.html"
    url_name = "api:schema"


class Console(_Page, SpectacularSwaggerSplitView):
    """Swagger UI, where a developer tries a call against this server. The split view serves
    its start-up script from this same address (``?script``) instead of inline."""

    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
