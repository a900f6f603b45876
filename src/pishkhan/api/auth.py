"""``Authorization: Bearer <token>`` for other systems (docs/api.md, "The agency API")."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from pishkhan.accounts.roles import AGENCY_ROLES

from .models import ApiClient


class ApiClientAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiClient] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as: Authorization: Bearer <token>.")
            )
        try:
            token = header[1].decode()
        except UnicodeDecodeError:
            token = ""
        client = ApiClient.objects.for_token(token) if token else None
        if client is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid or was revoked."))
        return client.user, client

    def authenticate_header(self, request: Request) -> str:
        # Makes an unauthenticated call a 401 (with this challenge), not a 403.
        return self.keyword


class IsAgencySystem(BasePermission):
    """A client whose service account is agency staff; scope is then the account's."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, ApiClient):
            raise exceptions.NotAuthenticated(
                _("This address needs an API client's token: Authorization: Bearer <token>.")
            )
        if request.user.role not in AGENCY_ROLES:
            raise exceptions.PermissionDenied(_("This client is not an agency's system."))
        return True


class ApiClientScheme(OpenApiAuthenticationExtension):  # type: ignore[misc]
    target_class = "pishkhan.api.auth.ApiClientAuthentication"
    name = "apiClientToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API client's token (pishkhan api-client create).",
        }
