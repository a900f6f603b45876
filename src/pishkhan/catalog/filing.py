"""A service as filing needs it — its agency, declared fields, documents, fees and current
workflow version — read once per process and kept until the catalogue changes.

Every submission needs all of these (the form, the schema check, the fee lines, the request's
workflow version): five to six queries, most of a submission's database work, for data an
administrator changes a few times a year (docs/performance.md). A **catalogue generation** token
in the shared cache (Redis in production) says when to read again: every save or delete of an
agency, service, form field, document, fee, VAT rate or workflow version replaces it — at once
and again when its transaction commits, so that a process reading between the two cannot keep
the old rows under the new token. Fees are effective-dated, so a fee that comes into force later
needs no change to take effect: the kept bundle holds every fee and ``fee_in_force`` picks by
date. The VAT rates (effective-dated too, and few) are kept the same way, under the same token,
and ride on each kept service as ``service.vat_rates`` so that a submission's VAT line costs no
query.

A kept service is shared by the requests one process serves; callers must not change it.

Without Redis (decision 61) the token cannot be read: nothing kept is used or kept, each filing
reads its service from the database (the queries the bundle saves, back for the outage). A change
whose new token Redis refuses notes the token's key as stale in the change's own transaction
(``core.outage``): when Redis answers again the old token is deleted before any process that saw
the outage reads it, and by a worker within the minute for the others, so a new generation starts
and every process reads the catalogue again. A change rolled back notes nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.db.models.signals import post_delete, post_save

from pishkhan.core import outage, readahead
from pishkhan.workflow.models import WorkflowDefinition

from .models import Agency, Fee, FormField, RequiredDocument, Service, VatRate

GENERATION_KEY = "pishkhan:catalogue:generation"
_kept: dict[str, tuple[str, Service | None]] = {}
# (generation, [(effective_from, percent), ...] newest first)
_kept_vat: list[tuple[str, list[tuple[dt.date, int]]]] = []


def generation() -> str | None:
    """The current generation's token; None when Redis does not answer (read the database)."""
    try:
        token = readahead.get(GENERATION_KEY)  # with the signed-in user (core.readahead)
        if token is None:  # first use, or the cache was emptied: start a new generation
            cache.add(GENERATION_KEY, secrets.token_hex(8), None)
            token = cache.get(GENERATION_KEY) or ""
    except outage.ERRORS:
        outage.warn("the catalogue's kept services (read from the database)")
        return None
    return str(token)


def generation_keys(request: Any) -> list[str]:
    """What a signed-in request reads of the catalogue's keys (``core.readahead``)."""
    return [GENERATION_KEY]


def _new_generation() -> None:
    try:
        cache.set(GENERATION_KEY, secrets.token_hex(8), None)
    except outage.ERRORS:
        outage.note_stale([GENERATION_KEY])


def catalogue_changed(**_: Any) -> None:
    """A signal receiver: the catalogue changed, so every process reads it again."""
    _new_generation()
    transaction.on_commit(_new_generation)


def forget() -> None:
    """Drop what this process keeps (tests whose database is rolled back under it)."""
    _kept.clear()
    _kept_vat.clear()


def _vat_rates_of(token: str | None) -> list[tuple[dt.date, int]]:
    if token is not None and _kept_vat and _kept_vat[0][0] == token:
        return _kept_vat[0][1]
    rates = [
        (effective_from, int(percent))
        for effective_from, percent in VatRate.objects.order_by("-effective_from").values_list(
            "effective_from", "percent"
        )
    ]
    if token is not None:
        _kept_vat[:] = [(token, rates)]
    return rates


def vat_rates() -> list[tuple[dt.date, int]]:
    """Every VAT rate as (effective from, percent), newest first; read once per generation."""
    return _vat_rates_of(generation())


def service_for_filing(code: str) -> Service | None:
    """The active service (of an active agency) with this code, ready for filing; None if there
    is none. Its ``current_workflow`` is the version a new request starts on."""
    token = generation()
    kept = _kept.get(code) if token is not None else None
    if kept is not None and kept[0] == token:
        return kept[1]
    service = Service.objects.active().select_related("agency").filter(code=code).first()
    if service is not None:
        prefetch_related_objects([service], "fields", "documents", "fees")
        service.current_workflow = WorkflowDefinition.objects.current(service.workflow_key)  # type: ignore[attr-defined]
        service.vat_rates = _vat_rates_of(token)  # type: ignore[attr-defined]
    if token is not None:
        _kept[code] = (token, service)
    return service


for _model in (Agency, Service, FormField, RequiredDocument, Fee, VatRate, WorkflowDefinition):
    post_save.connect(catalogue_changed, sender=_model, dispatch_uid=f"catalogue-{_model.__name__}")
    post_delete.connect(
        catalogue_changed, sender=_model, dispatch_uid=f"catalogue-del-{_model.__name__}"
    )
