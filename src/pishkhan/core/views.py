import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from . import outage
from .replica import REPLICA

logger = logging.getLogger(__name__)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers, start-up scripts and monitoring: 200 when this node can serve, 503
    when it cannot reach its database. Redis (when one is configured) is reported and, when it
    does not answer, makes the answer "degraded" but still 200: the node serves without it
    (decision 61), and every node shares the one Redis, so taking nodes out for it would turn a
    partial outage into a full one. The dashboards' replica is reported, not required: without
    it only the dashboards suffer."""
    checks = {"database": _reachable(connections[DEFAULT_DB_ALIAS])}
    if settings.REDIS_URL:
        checks["redis"] = _redis_reachable()
    if REPLICA in connections.settings:
        checks["replica"] = _reachable(connections[REPLICA])
    if checks["database"] != "ok":
        status, code = "unavailable", 503
    elif checks.get("redis", "ok") != "ok":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, "checks": checks}, status=code)


def _reachable(connection: BaseDatabaseWrapper) -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("health check: database %s unreachable", connection.alias)
        return "unreachable"
    return "ok"


def _redis_reachable() -> str:
    try:
        cache.get("pishkhan:healthz")
    except outage.ERRORS:  # redis-py's ConnectionError, TimeoutError, …: logged by core.outage
        return "unreachable"
    return "ok"


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent with a stale or missing CSRF token (a page left open for long, a sign-in or
    sign-out in another tab, cookies refused): say so in the site's words, and offer the form
    again — the page it was sent from, when that is one of ours."""
    referer = request.META.get("HTTP_REFERER", "")
    ours = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    again = referer if referer and ours else ""
    return render(
        request,
        "403_csrf.html",
        {"again": again, "no_cookie": reason == "CSRF cookie not set."},
        status=403,
    )
