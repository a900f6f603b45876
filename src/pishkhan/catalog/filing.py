"""A service as filing needs it — its agency, declared fields, documents, fees and current
workflow version — read once per process and kept until the catalogue changes.

Every submission needs all of these (the form, the schema check, the fee lines, the request's
workflow version): five to six queries, most of a submission's database work, for data an
administrator changes a few times a year (docs/performance.md). A **catalogue generation** token
in the shared cache (Redis in production) says when to read again: every save or delete of an
agency, service, form field, document, fee or workflow version replaces it — at once and again
when its transaction commits, so that a process reading between the two cannot keep the old rows
under the new token. Fees are effective-dated, so a fee that comes into force later needs no
change to take effect: the kept bundle holds every fee and ``fee_in_force`` picks by date.

A kept service is shared by the requests one process serves; callers must not change it.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.db.models.signals import post_delete, post_save

from pishkhan.workflow.models import WorkflowDefinition

from .models import Agency, Fee, FormField, RequiredDocument, Service

GENERATION_KEY = "pishkhan:catalogue:generation"
_kept: dict[str, tuple[str, Service | None]] = {}


def generation() -> str:
    token = cache.get(GENERATION_KEY)
    if token is None:  # first use, or the cache was emptied: start a new generation
        cache.add(GENERATION_KEY, secrets.token_hex(8), None)
        token = cache.get(GENERATION_KEY) or ""
    return str(token)


def catalogue_changed(**_: Any) -> None:
    """A signal receiver: the catalogue changed, so every process reads it again."""
    cache.set(GENERATION_KEY, secrets.token_hex(8), None)
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, secrets.token_hex(8), None))


def forget() -> None:
    """Drop what this process keeps (tests whose database is rolled back under it)."""
    _kept.clear()


def service_for_filing(code: str) -> Service | None:
    """The active service (of an active agency) with this code, ready for filing; None if there
    is none. Its ``current_workflow`` is the version a new request starts on."""
    token = generation()
    kept = _kept.get(code)
    if kept is not None and kept[0] == token:
        return kept[1]
    service = Service.objects.active().select_related("agency").filter(code=code).first()
    if service is not None:
        prefetch_related_objects([service], "fields", "documents", "fees")
        service.current_workflow = WorkflowDefinition.objects.current(service.workflow_key)  # type: ignore[attr-defined]
    _kept[code] = (token, service)
    return service


for _model in (Agency, Service, FormField, RequiredDocument, Fee, WorkflowDefinition):
    post_save.connect(catalogue_changed, sender=_model, dispatch_uid=f"catalogue-{_model.__name__}")
    post_delete.connect(
        catalogue_changed, sender=_model, dispatch_uid=f"catalogue-del-{_model.__name__}"
    )
