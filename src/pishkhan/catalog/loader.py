"""Load the shipped catalogue (data/catalogue.json) idempotently: a second load changes nothing.

Services, documents and fields are matched by their stable codes and updated in place; fees are
scheduled through ``services.set_fee`` so history is added to, never rewritten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction

from pishkhan.core.jalali import parse_jalali_date
from pishkhan.core.text import normalize
from pishkhan.workflow.models import WorkflowDefinition, assign_owners

from .models import Agency, Channel, Fee, FeeKind, FormField, RequiredDocument, Service
from .services import set_fee

CATALOGUE_FILE = Path(__file__).parent / "data" / "catalogue.json"


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _normalized(value: Any) -> Any:
    """Catalogue text is stored like any input: Persian letters, ASCII digits (core.text)."""
    if isinstance(value, str):
        return normalize(value)
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalized(v) for k, v in value.items()}
    return value


def _sync(
    model: type[models.Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    report: LoadReport,
    label: str,
) -> Any:
    values = {name: _normalized(value) for name, value in values.items()}
    manager = model._default_manager
    obj = manager.filter(**lookup).first()
    if obj is None:
        obj = manager.create(**lookup, **values)
        report.created.append(label)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save()
        report.updated.append(label)
    return obj


@transaction.atomic
def load_catalogue(path: Path = CATALOGUE_FILE) -> LoadReport:
    data = json.loads(path.read_text(encoding="utf-8"))
    report = LoadReport()
    agencies: dict[str, Agency] = {}
    for item in data["agencies"]:
        agencies[item["code"]] = _sync(
            Agency,
            {"code": item["code"]},
            {
                "name_fa": item["name_fa"],
                "name_en": item["name_en"],
                "parent": agencies.get(item.get("parent") or ""),
                "description_fa": item.get("description_fa", ""),
                "description_en": item.get("description_en", ""),
                "website": item.get("website") or "",
            },
            report,
            f"agency {item['code']}",
        )
    for item in data["services"]:
        _load_service(item, agencies, report)
    # The shipped workflows the catalogue's services name get the owner a migrated database
    # gives them (decision 62): the one agency whose services use it (the Assessment Center's
    # academic-record verification), else the platform. Only unowned ones: an owner the
    # national administrator has set stays.
    keys = {item.get("workflow", "default") for item in data["services"]}
    assign_owners(WorkflowDefinition, Service, keys)
    return report


def _load_service(item: dict[str, Any], agencies: dict[str, Agency], report: LoadReport) -> None:
    code = item["code"]
    service = _sync(
        Service,
        {"code": code},
        {
            "agency": agencies[item["agency"]],
            "seed_number": item.get("seed_number"),
            "name_fa": item["name_fa"],
            "name_en": item["name_en"],
            "description_fa": item.get("description_fa", ""),
            "description_en": item.get("description_en", ""),
            "offered_at_office": Channel.OFFICE in item["channels"],
            "offered_online": Channel.ONLINE in item["channels"],
            "sla_working_days": item["sla_working_days"],
            "workflow_key": item.get("workflow", "default"),
            "government_fee_assessed": item.get("government_fee_assessed", False),
        },
        report,
        f"service {code}",
    )
    for position, doc in enumerate(item.get("documents", [])):
        _sync(
            RequiredDocument,
            {"service": service, "position": position},
            {
                "name_fa": doc["name_fa"],
                "name_en": doc["name_en"],
                "is_mandatory": doc.get("mandatory", True),
            },
            report,
            f"document {code}/{position}",
        )
    RequiredDocument.objects.filter(
        service=service, position__gte=len(item.get("documents", []))
    ).delete()
    keys = []
    for position, spec in enumerate(item.get("fields", [])):
        keys.append(spec["key"])
        _sync(
            FormField,
            {"service": service, "key": spec["key"]},
            {
                "kind": spec["kind"],
                "label_fa": spec["label_fa"],
                "label_en": spec["label_en"],
                "help_fa": spec.get("help_fa", ""),
                "help_en": spec.get("help_en", ""),
                "is_required": spec.get("required", True),
                "choices": spec.get("choices", []),
                "max_length": spec.get("max_length"),
                "min_value": spec.get("min"),
                "max_value": spec.get("max"),
                "position": position,
            },
            report,
            f"field {code}/{spec['key']}",
        )
    FormField.objects.filter(service=service).exclude(key__in=keys).delete()
    for kind in (FeeKind.GOVERNMENT, FeeKind.OFFICE_CAP):
        for row in item.get("fees", {}).get(kind, []):
            effective_from = parse_jalali_date(row["from"])
            exists = Fee.objects.filter(
                service=service,
                kind=kind,
                effective_from=effective_from,
                amount_rials=row["amount"],
            ).exists()
            if not exists:
                set_fee(
                    service,
                    kind,
                    row["amount"],
                    effective_from,
                    source=row.get("source", ""),
                    allow_past=True,
                )
                report.created.append(f"fee {code}/{kind}/{row['from']}")
