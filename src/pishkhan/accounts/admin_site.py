"""The admin site: a page of one object the user may not see says nothing of it (decision 64).

Which objects an administrator sees is each ModelAdmin's ``get_queryset`` (an agency's
administrator: ``Service.objects.editable_by``, ``WorkflowDefinition.objects.visible_to``); an
object outside it is "not found", as a missing id is. Django's change and delete pages ask
for the permission first and then for the object, so both answer a user without the
permission with 403, whether or not the id exists. Its history page asks the other way round:
an id that does not exist sent the user back to the index ("does not exist"), one that exists
answered 403 — so an administrator of one agency could tell which users, groups or offices
exist by their ids. Here the history page asks for the permission first too, for every model
in the admin, Django's and the libraries' as well as ours.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


class AdminSite(admin.AdminSite):
    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        model_admin = getattr(view, "__self__", None)
        if isinstance(model_admin, admin.ModelAdmin) and view.__name__ == "history_view":
            view = _permission_first(model_admin, view)
        return super().admin_view(view, cacheable)


def _permission_first(model_admin: admin.ModelAdmin[Any], view: Any) -> Any:
    @wraps(view)
    def history_view(
        request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # As the change page: the permission for the object, or for none when it is missing or
        # outside the user's list; then Django's own view, which says "does not exist".
        found = model_admin.get_object(request, unquote(object_id))
        if not model_admin.has_view_or_change_permission(request, found):
            raise PermissionDenied
        response: HttpResponse = view(request, object_id, extra_context)
        return response

    return history_view
