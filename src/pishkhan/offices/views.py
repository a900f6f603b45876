"""The public office finder and office pages. No login needed.

Only active offices are shown: a suspended, revoked or expired office files nothing, so it is
neither listed nor given a page. Fees are shown as a citizen will pay them today: the office's
own fee (at most the cap in force today), the cap beside it, and the total with the government
fee and VAT.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import F, FilteredRelation, Prefetch, Q, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pishkhan.catalog.fees import fee_in_force, vat_at, vat_percent
from pishkhan.catalog.models import Fee, FeeKind, Service
from pishkhan.core.i18n import active_language
from pishkhan.core.models import County, Province
from pishkhan.core.text import digits_for_language, normalize

from .models import Office, OfficeService

PAGE_SIZE = 20
MAX_PARAMETER_LENGTH = 80


@dataclass(frozen=True)
class ServicePrice:
    """A service's fees today, as the finder and the office page show them."""

    government: int
    government_assessed: bool
    cap: int
    vat_percent: int

    @classmethod
    def of(cls, service: Service, on: dt.date, vat: int | None = None) -> ServicePrice:
        """``vat``: the VAT percent in force on ``on``, when the caller has it already."""
        government = fee_in_force(service, FeeKind.GOVERNMENT, on)
        return cls(
            government=government,
            government_assessed=service.government_fee_assessed and government == 0,
            cap=fee_in_force(service, FeeKind.OFFICE_CAP, on),
            vat_percent=vat_percent(on) if vat is None else vat,
        )

    def office_fee(self, own_fee: int) -> int:
        # What the office may charge today: its own fee, never above today's cap (a cap lowered
        # since the office set its fee wins, as it does when a request is filed).
        return min(own_fee, self.cap)

    def total_at_office(self, own_fee: int) -> int:
        fee = self.office_fee(own_fee)
        return self.government + fee + vat_at(fee, self.vat_percent)


@dataclass
class Filters:
    province: Province | None = None
    county: County | None = None
    service: Service | None = None
    # A service offered only online: no office offers it, the page says where to file it.
    online_only: Service | None = None
    # Refusals: a parameter that names nothing; the result is empty.
    notes: list[str] = field(default_factory=list)
    # Information: a filter that was set aside, the result is still shown.
    hints: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.notes) or self.online_only is not None


def _fee_rules() -> str:
    return _(
        "Each office sets its own fee, never above the official cap. The government fee is the "
        "same at every office, and VAT of %(percent)s%% is added to the office fee."
    ) % {"percent": digits_for_language(vat_percent(), active_language())}


def _parameter(request: HttpRequest, name: str) -> str:
    return normalize(request.GET.get(name, ""))[:MAX_PARAMETER_LENGTH]


def _read_filters(
    request: HttpRequest, provinces: list[Province], services: list[Service]
) -> tuple[Filters, list[County]]:
    filters = Filters()
    province_code = _parameter(request, "province")
    county_id = _parameter(request, "county")
    service_code = _parameter(request, "service")

    if province_code:
        filters.province = next((p for p in provinces if p.sci_code == province_code), None)
        if filters.province is None:
            filters.notes.append(_("No province has that code, so no office is shown."))
    counties: list[County] = []
    if filters.province is not None:
        counties = list(filters.province.counties.order_by("name_fa"))

    if county_id and not (province_code and filters.province is None):
        pk = int(county_id) if county_id.isdigit() and len(county_id) <= 9 else None
        set_aside = False
        if pk is not None and filters.province is not None:
            filters.county = next((c for c in counties if c.pk == pk), None)
            if filters.county is None and County.objects.filter(pk=pk).exists():
                # A county left over from another province (the province was changed and the
                # form sent again): the whole chosen province is shown.
                set_aside = True
                filters.hints.append(
                    _(
                        "The county chosen is not in this province, so the offices of the "
                        "whole province are shown."
                    )
                )
        elif pk is not None:
            # A county alone (a shared link): its province follows from it.
            filters.county = County.objects.select_related("province").filter(pk=pk).first()
            if filters.county is not None:
                filters.province = filters.county.province
                counties = list(filters.province.counties.order_by("name_fa"))
        if filters.county is None and not set_aside:
            filters.notes.append(_("No county has that number, so no office is shown."))

    if service_code:
        service = next((s for s in services if s.code == service_code), None)
        if service is None:
            other = Service.objects.active().filter(code=service_code).first()
            if other is not None and not other.offered_at_office:
                filters.online_only = other
            else:
                filters.notes.append(_("No service has that code, so no office is shown."))
        else:
            filters.service = service
    return filters, counties


@require_GET
def finder(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    provinces = list(Province.objects.order_by("name_fa"))
    services = list(
        Service.objects.active()
        .filter(offered_at_office=True)
        .select_related("agency")
        .order_by("agency__name_fa", "name_fa")
    )
    filters, counties = _read_filters(request, provinces, services)

    offices = Office.objects.active().select_related("province", "county")
    if filters.refused:
        offices = offices.none()
    if filters.province is not None:
        offices = offices.filter(province=filters.province)
    if filters.county is not None:
        offices = offices.filter(county=filters.county)
    price = None
    if filters.service is not None and not filters.refused:
        service = filters.service
        prefetch_related_objects([service], Prefetch("fees", queryset=Fee.objects.order_by()))
        price = ServicePrice.of(service, today)
        offices = (
            offices.annotate(
                offer=FilteredRelation("offerings", condition=Q(offerings__service=service))
            )
            .filter(offer__isnull=False)
            .annotate(own_fee=F("offer__office_fee_rials"))
        )
    page = Paginator(
        offices.order_by("province__name_fa", "county__name_fa", "name", "pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows: list[dict[str, Any]] = []
    for office in page:
        row: dict[str, Any] = {"office": office}
        if price is not None:
            own_fee: int = office.own_fee  # type: ignore[attr-defined]
            row["office_fee"] = price.office_fee(own_fee)
            row["total"] = price.total_at_office(own_fee)
        rows.append(row)

    kept = {
        "province": filters.province.sci_code if filters.province else "",
        "county": filters.county.pk if filters.county else "",
        "service": filters.service.code if filters.service else "",
    }
    return render(
        request,
        "offices/finder.html",
        {
            "provinces": provinces,
            "counties": counties,
            "services": services,
            "filters": filters,
            "price": price,
            "page": page,
            "rows": rows,
            "page_query": urlencode({k: v for k, v in kept.items() if v}),
            "fee_rules": _fee_rules(),
        },
    )


@require_GET
def office_detail(request: HttpRequest, licence_number: str) -> HttpResponse:
    office = get_object_or_404(
        Office.objects.active().select_related("province", "county"),
        licence_number=normalize(licence_number)[:MAX_PARAMETER_LENGTH],
    )
    today = timezone.localdate()
    offerings = (
        OfficeService.objects.filter(
            office=office,
            service__is_active=True,
            service__agency__is_active=True,
            service__offered_at_office=True,
        )
        .select_related("service", "service__agency")
        .prefetch_related(Prefetch("service__fees", queryset=Fee.objects.order_by()))
        .order_by("service__agency__name_fa", "service__name_fa")
    )
    rows = []
    vat = vat_percent(today)
    for offering in offerings:
        price = ServicePrice.of(offering.service, today, vat)
        rows.append(
            {
                "service": offering.service,
                "price": price,
                "office_fee": price.office_fee(offering.office_fee_rials),
                "total": price.total_at_office(offering.office_fee_rials),
            }
        )
    return render(
        request,
        "offices/office_detail.html",
        {"office": office, "rows": rows, "fee_rules": _fee_rules()},
    )
