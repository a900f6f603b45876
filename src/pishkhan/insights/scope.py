"""Who sees which dashboard: ``dashboard_scope(user)`` is the one place that decides it.

* a provincial supervisor: their own province only;
* the regulator and the national administrator: the whole country, and any province in it;
* an agency administrator: their agency (and its child agencies, as ``visible_to`` does),
  nationwide;
* anyone else: not found.

A province, county or office outside the scope is not found either (404, never 403), whatever
the address says. docs/insights.md, "Dashboards".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse

from pishkhan.accounts.access import roles_required
from pishkhan.accounts.roles import Role
from pishkhan.catalog.models import Agency
from pishkhan.core.models import County, Province
from pishkhan.core.replica import replica_reads
from pishkhan.offices.models import Office

NATIONAL, PROVINCIAL, AGENCY = "national", "provincial", "agency"


@dataclass(frozen=True)
class DashboardScope:
    """What one user's dashboards may show."""

    kind: str  # NATIONAL, PROVINCIAL or AGENCY
    role: str
    # The one province a provincial supervisor sees; None: any province.
    province_id: int | None = None
    # The agencies an agency administrator sees (their own first); None: every agency.
    agency_ids: tuple[int, ...] | None = None

    @property
    def agency_id(self) -> int | None:
        return self.agency_ids[0] if self.agency_ids else None

    def province(self, sci_code: str) -> Province:
        """The province of the address, if the scope reaches it."""
        province = Province.objects.filter(sci_code=sci_code).first()
        if province is None or (self.province_id is not None and province.pk != self.province_id):
            raise Http404
        return province

    def county(self, province: Province, sci_code: str) -> County:
        county = County.objects.filter(province=province, sci_code=sci_code).first()
        if county is None:
            raise Http404
        return county

    def office(self, province: Province, licence_number: str) -> Office:
        office = (
            Office.objects.select_related("county")
            .filter(province=province, licence_number=licence_number)
            .first()
        )
        if office is None:
            raise Http404
        return office


def dashboard_scope(user: Any) -> DashboardScope:
    """The dashboards ``user`` may see; Http404 for anyone without any."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    role = getattr(user, "role", "")
    if getattr(user, "is_superuser", False) or role in (Role.NATIONAL_ADMIN, Role.REGULATOR):
        return DashboardScope(NATIONAL, role)
    if role == Role.PROVINCIAL_SUPERVISOR and user.province_id:
        return DashboardScope(PROVINCIAL, role, province_id=user.province_id)
    if role == Role.AGENCY_ADMIN and user.agency_id:
        children = Agency.objects.filter(Q(parent_id=user.agency_id)).order_by("pk")
        ids = (user.agency_id, *children.values_list("pk", flat=True))
        return DashboardScope(AGENCY, role, agency_ids=ids)
    raise Http404


def dashboard_view(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Sign-in (and the staff's second factor) first, then ``dashboard_scope`` decides: the view
    receives the scope after the request, and reads from the replica (``core.replica``)."""

    @roles_required(*Role.values)
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Figures a few seconds old are fine here: read them from the replica, if there is one.
        with replica_reads():
            return view(request, dashboard_scope(request.user), *args, **kwargs)

    return wrapper
