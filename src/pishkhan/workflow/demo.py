"""The shipped workflows: published as version 1 (or a new version when the file changed)."""

from __future__ import annotations

import json
from pathlib import Path

from .models import WorkflowDefinition

DATA = Path(__file__).parent / "data"
SHIPPED = {
    "default": ("گردش کار پیش‌فرض", "Default workflow"),
    "academic_verification": ("گردش کار تاییدیه تحصیلی", "Academic-record verification"),
    "licence_application": ("گردش کار درخواست پروانه دفتر", "Office licence application"),
    "office_licence": ("چرخه عمر پروانه دفتر", "Office licence life cycle"),
    "employment_certificate": ("گردش کار گواهی اشتغال", "Employment certificate"),
}


def load(stdout: object) -> list[tuple[str, str, str]]:
    for key, (name_fa, name_en) in SHIPPED.items():
        definition = json.loads((DATA / f"{key}.json").read_text(encoding="utf-8"))
        WorkflowDefinition.publish(key, definition, name_fa, name_en)
    return []
