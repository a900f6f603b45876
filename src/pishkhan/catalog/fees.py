"""What a service costs on a date, line by line (design.md, "Fees").

Price = government fee + office fee (never above the cap) + VAT on the office fee; online there
is no office fee. Here the office fee is shown at its cap — the most an office may charge — since
each office's own fee belongs to the offices app.

The VAT rate is effective-dated data (``VatRate``, admin-edited, the past never rewritten); the
rates are kept per process with the catalogue's filing bundle (``catalog.filing.vat_rates``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pishkhan.core.i18n import active_language
from pishkhan.core.text import digits_for_language

from .filing import vat_rates
from .models import Channel, Fee, FeeKind, Service

# The default VAT rate: seeded as the first VatRate row (migration catalog 0002), and used for a
# date before every recorded rate (none, unless that row was removed).
VAT_PERCENT = 10

VatRates = Sequence[tuple[dt.date, int]]


@dataclass(frozen=True)
class FeeLine:
    code: str
    label: str
    amount_rials: int
    is_maximum: bool = False
    # The agency assesses the amount per case (tolls, premiums): known only inside the request.
    is_assessed: bool = False


@dataclass(frozen=True)
class FeeSchedule:
    channel: str
    lines: tuple[FeeLine, ...]

    @property
    def total_rials(self) -> int:
        return sum(line.amount_rials for line in self.lines)

    @property
    def is_free(self) -> bool:
        return self.total_rials == 0 and not self.is_assessed

    @property
    def is_assessed(self) -> bool:
        return any(line.is_assessed for line in self.lines)

    @property
    def has_maximum(self) -> bool:
        return any(line.is_maximum for line in self.lines)


def fee_in_force(service: Service, kind: str, on: dt.date) -> int:
    """The amount of one fee kind in force on a date (0 when none has been set yet)."""
    fees = getattr(service, "_prefetched_objects_cache", {}).get("fees")
    if fees is not None:
        candidates = [f for f in fees if f.kind == kind and f.effective_from <= on]
        if not candidates:
            return 0
        latest: Fee = max(candidates, key=lambda f: f.effective_from)
        return latest.amount_rials
    fee = (
        Fee.objects.filter(service=service, kind=kind, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    return fee.amount_rials if fee else 0


def vat_percent(on: dt.date | None = None, rates: VatRates | None = None) -> int:
    """The VAT rate in force on a date (today by default). ``rates``: (effective from, percent)
    pairs as ``catalog.filing.vat_rates()`` gives them, when the caller has them already."""
    on = on or timezone.localdate()
    in_force = [pair for pair in (vat_rates() if rates is None else rates) if pair[0] <= on]
    if not in_force:
        return VAT_PERCENT
    return max(in_force, key=lambda pair: pair[0])[1]


def vat_at(amount_rials: int, percent: int) -> int:
    # Integer arithmetic, rounded half up to the Rial.
    return (amount_rials * percent + 50) // 100


def vat_on(amount_rials: int, on: dt.date | None = None, *, rates: VatRates | None = None) -> int:
    """VAT on an amount at the rate in force on ``on`` (today by default)."""
    return vat_at(amount_rials, vat_percent(on, rates))


def fee_schedule(service: Service, channel: str, on: dt.date | None = None) -> FeeSchedule:
    on = on or timezone.localdate()
    government = fee_in_force(service, FeeKind.GOVERNMENT, on)
    lines = [
        FeeLine(
            "government",
            str(_("Government fee")),
            government,
            is_assessed=service.government_fee_assessed and government == 0,
        )
    ]
    if channel == Channel.OFFICE:
        cap = fee_in_force(service, FeeKind.OFFICE_CAP, on)
        percent = vat_percent(on, getattr(service, "vat_rates", None))
        lines.append(FeeLine("office_fee", str(_("Office fee (at most)")), cap, is_maximum=True))
        lines.append(
            FeeLine(
                "vat",
                str(_("VAT on the office fee (%(percent)s%%, at most)"))
                % {"percent": digits_for_language(percent, active_language())},
                vat_at(cap, percent),
                is_maximum=True,
            )
        )
    return FeeSchedule(channel=channel, lines=tuple(lines))
