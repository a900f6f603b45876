"""How many of the province's office services an office may offer, by its rank.

Rank 1: all; rank 2: 70 %; rank 3: 30 % (``PISHKHAN_RANK_SHARES``). The services an office keeps
when its rank lowers are the ones it has offered longest; the others stay listed but cannot be
filed until the rank rises or the office drops some.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pishkhan.catalog.models import Service

from .models import Office, OfficeService


def share_percent(rank: int | None) -> int:
    if rank is None:
        return 100
    return int(settings.PISHKHAN_RANK_SHARES.get(rank, 100))


def allowed_count(office: Office) -> int | None:
    """How many services the office may offer; None when its rank sets no limit."""
    percent = share_percent(office.rank)
    if percent >= 100:
        return None
    available = Service.objects.active().filter(offered_at_office=True).count()
    return max(1, math.floor(available * percent / 100))


def entitled_service_ids(office: Office) -> set[int] | None:
    limit = allowed_count(office)
    if limit is None:
        return None
    return set(
        OfficeService.objects.filter(office=office)
        .order_by("id")
        .values_list("service_id", flat=True)[:limit]
    )


def check_can_add(office: Office) -> None:
    limit = allowed_count(office)
    if limit is not None and OfficeService.objects.filter(office=office).count() >= limit:
        raise ValidationError(
            _(
                "An office of rank %(rank)s may offer %(limit)s services (%(percent)s%% of "
                "those offered at offices); drop one to add another."
            )
            % {"rank": office.rank, "limit": limit, "percent": share_percent(office.rank)}
        )
