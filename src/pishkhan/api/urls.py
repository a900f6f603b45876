from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView

from . import agency, docs, errors, office, views


class Schema(SpectacularAPIView):
    """The OpenAPI schema, in English: a developers' document (its examples of Persian text are
    the API's own)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with translation.override("en"):
            response = super().dispatch(request, *args, **kwargs)
            return response.render()  # type: ignore[attr-defined,no-any-return]


app_name = "api"
urlpatterns = [
    path("v1/agencies/", views.AgencyList.as_view(), name="agencies"),
    path("v1/services/", views.ServiceList.as_view(), name="services"),
    path("v1/services/<str:code>/", views.ServiceDetail.as_view(), name="service"),
    path("v1/track/", views.Track.as_view(), name="track"),
    path("v1/verify/<str:code>/", views.Verify.as_view(), name="verify"),
    path("v1/agency/requests/", agency.Queue.as_view(), name="agency_queue"),
    path("v1/agency/webhook/", agency.WebhookStatus.as_view(), name="agency_webhook"),
    path("v1/office/requests/", office.Filing.as_view(), name="office_filing"),
    path("v1/office/webhook/", office.WebhookStatus.as_view(), name="office_webhook"),
    path(
        "v1/office/requests/<str:tracking_code>/",
        office.RequestState.as_view(),
        name="office_request",
    ),
    path(
        "v1/office/requests/<str:tracking_code>/payment/",
        office.CounterPayment.as_view(),
        name="office_payment",
    ),
    path(
        "v1/agency/requests/<str:tracking_code>/",
        agency.RequestDetail.as_view(),
        name="agency_request",
    ),
    path(
        "v1/agency/requests/<str:tracking_code>/documents/<int:document_id>/",
        agency.RequestDocument.as_view(),
        name="agency_document",
    ),
    path(
        "v1/agency/requests/<str:tracking_code>/actions/",
        agency.RequestAction.as_view(),
        name="agency_action",
    ),
    path("schema/", Schema.as_view(), name="schema"),
    path("docs/", docs.Reference.as_view(), name="docs"),
    path("swagger/", docs.Console.as_view(), name="swagger"),
    # Last: any other address under /api/ is the API's JSON 404, DEBUG or not.
    re_path(r"^", errors.unknown_address),
]
