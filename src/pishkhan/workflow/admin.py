from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pishkhan.core.admin import NormalizingAdmin

from .models import WorkflowDefinition


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(NormalizingAdmin):
    """Editing a workflow saves a new version; requests in flight keep the one they started on."""

    list_display = ["name_fa", "key", "version", "created_at"]
    list_filter = ["key"]
    fields = ["key", "name_fa", "name_en", "definition"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        published = WorkflowDefinition.publish(obj.key, obj.definition, obj.name_fa, obj.name_en)
        obj.pk, obj.version = published.pk, published.version

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
