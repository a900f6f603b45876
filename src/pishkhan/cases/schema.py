"""Checks a submission against the service's declared form and documents — the same rules the web
form applies, for every caller of ``submit`` (views, API, commands)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pishkhan.catalog.models import FieldKind, Service

from .forms import field_for


def check_submission(
    service: Service, values: dict[str, Any], document_ids: set[int]
) -> dict[str, Any]:
    """Return the cleaned values (JSON-ready) or raise ValidationError with per-field messages."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    specs = {spec.key: spec for spec in service.fields.all()}
    unknown = set(values) - set(specs)
    if unknown:
        errors["__all__"] = [_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))}]
    for key, spec in specs.items():
        if spec.kind == FieldKind.FILE:
            continue
        try:
            value = field_for(spec).clean(values.get(key))
        except ValidationError as exc:
            errors[key] = [str(m) for m in exc.messages]
            continue
        if value not in (None, ""):
            cleaned[key] = value.isoformat() if hasattr(value, "isoformat") else value
    missing = [d for d in service.documents.all() if d.is_mandatory and d.pk not in document_ids]
    if missing:
        errors["documents"] = [
            _("Missing document: %(name)s") % {"name": d.name_fa} for d in missing
        ]
    if errors:
        raise ValidationError(errors)
    return cleaned
