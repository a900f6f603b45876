"""Workflows in the admin. Saving publishes a new version; requests in flight keep theirs.

The national administrator edits any workflow. An agency administrator sees only the workflows
its services use (and new ones), and edits only those no other agency's service uses (or starts
a new one), so one agency can neither read nor change another's process, nor the platform's own
(licensing's): ``WorkflowDefinition.objects.visible_to`` and ``may_publish`` decide.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from pishkhan.core.admin import RequestFormAdmin
from pishkhan.core.forms import NormalizingModelForm

from .models import WorkflowDefinition, is_platform_key, may_publish


class WorkflowForm(NormalizingModelForm):
    class Meta:
        model = WorkflowDefinition
        fields = ["key", "name_fa", "name_en", "definition"]

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def validate_unique(self) -> None:
        # Saving publishes a new version; (key, version) is set by publish().
        pass

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        key = cleaned.get("key") or self.instance.key
        if self.request is not None and key and not may_publish(self.request.user, key):
            if is_platform_key(key):
                raise ValidationError(
                    _(
                        "This workflow is the platform's own (office licensing); only the "
                        "national administrator can change it."
                    )
                )
            raise ValidationError(
                _(
                    "Another agency's services use this workflow; only the national "
                    "administrator can change it."
                )
            )
        return cleaned


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(RequestFormAdmin):
    form = WorkflowForm
    list_display = ["name_fa", "key", "version", "created_at"]
    list_filter = ["key"]

    def get_queryset(self, request: HttpRequest) -> Any:
        # Outside it, the admin answers as for an id that does not exist.
        return WorkflowDefinition.objects.visible_to(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["key"] if obj else []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        published = WorkflowDefinition.publish(obj.key, obj.definition, obj.name_fa, obj.name_en)
        obj.pk, obj.version = published.pk, published.version

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
