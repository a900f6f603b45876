import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from .replica import REPLICA

logger = logging.getLogger(__name__)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers, start-up scripts and monitoring: 200 when this node can serve, 503
    naming what it cannot reach (the database, or Redis when one is configured: sessions, limits
    and the task queue live there). The dashboards' replica is reported, not required: without
    it only the dashboards suffer, and a load balancer must not take every node out for that."""
    checks = {"database": _reachable(connections[DEFAULT_DB_ALIAS])}
    if settings.REDIS_URL:
        checks["redis"] = _redis_reachable()
    if REPLICA in connections.settings:
        checks["replica"] = _reachable(connections[REPLICA])
    required = [checks["database"], checks.get("redis", "ok")]
    healthy = all(state == "ok" for state in required)
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


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
    except Exception:  # redis-py's ConnectionError, TimeoutError, …: the node cannot serve
        logger.exception("health check: Redis unreachable")
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
