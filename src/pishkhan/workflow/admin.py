"""Workflows in the admin. Saving publishes a new version; requests in flight keep theirs.

The national administrator edits any workflow and sets its owner. An agency administrator sees
only the workflows its agency owns and the platform's its services use (the shared default), and
edits only its agency's (or starts a new one, which its agency then owns), so one agency can
neither read nor change another's process, nor the platform's own (licensing's):
``WorkflowDefinition.objects.visible_to`` and ``may_publish`` decide (decisions 58, 62).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from pishkhan.core.admin import RequestFormAdmin
from pishkhan.core.forms import NormalizingModelForm
from pishkhan.core.templatetags.persian import localized

from .models import WorkflowDefinition, agency_of, is_national, is_platform_key, may_publish


class WorkflowForm(NormalizingModelForm):
    class Meta:
        model = WorkflowDefinition
        fields = ["key", "name_fa", "name_en", "definition", "owner"]

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
            # The same words whether another agency owns it or uses it: which one is theirs.
            raise ValidationError(
                _(
                    "This workflow is another agency's (it owns it or its services use it); "
                    "only the national administrator can change it."
                )
            )
        return cleaned


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(RequestFormAdmin):
    form = WorkflowForm
    list_display = ["name_fa", "key", "version", "owner_name", "created_at"]

    def get_queryset(self, request: HttpRequest) -> Any:
        # Outside it, the admin answers as for an id that does not exist.
        return WorkflowDefinition.objects.visible_to(request.user).select_related("owner")

    def get_list_filter(self, request: HttpRequest) -> list[str]:
        # Only the national administrator sees more than one owner's workflows.
        return ["key", "owner"] if is_national(request.user) else ["key"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = ["key", "name_fa", "name_en", "definition", "owner"]
        # An agency's administrator's new workflow is its agency's, set on saving: shown as a
        # name, not as a field (nor as a link to an agency's page it may not open).
        if is_national(request.user):
            return fields
        return [*fields[:-1], "owner_name"] if obj else fields[:-1]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = ["key"] if obj else []
        return fields if is_national(request.user) else [*fields, "owner_name"]

    @admin.display(description=_lazy("owning agency"), ordering="owner__name_fa")
    def owner_name(self, obj: WorkflowDefinition) -> str:
        return (
            localized(obj.owner, "name")
            if obj.owner
            else _("The platform (national administrator)")
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        national = is_national(request.user)
        owner_id = obj.owner_id if national else agency_of(request.user)
        published = WorkflowDefinition.publish(
            obj.key, obj.definition, obj.name_fa, obj.name_en, owner_id=owner_id
        )
        if national and published.owner_id != owner_id:
            WorkflowDefinition.set_owner(obj.key, owner_id)
            published.owner_id = owner_id
        obj.pk, obj.version, obj.owner_id = published.pk, published.version, published.owner_id

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
