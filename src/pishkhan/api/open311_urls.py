"""Open311 GeoReport v2 addresses (``api.open311``), each in XML or JSON by its extension."""

from django.urls import re_path

from . import open311

FORMAT = r"\.(?P<fmt>json|xml)$"

app_name = "open311"
urlpatterns = [
    re_path(r"^discovery" + FORMAT, open311.discovery, name="discovery"),
    re_path(r"^v2/discovery" + FORMAT, open311.discovery),
    re_path(r"^v2/services" + FORMAT, open311.services, name="services"),
    re_path(r"^v2/services/(?P<code>[^/.]+)" + FORMAT, open311.service_definition, name="service"),
    re_path(r"^v2/requests" + FORMAT, open311.requests, name="requests"),
    re_path(
        r"^v2/requests/(?P<tracking_code>[^/.]+)" + FORMAT, open311.request_detail, name="request"
    ),
    re_path(r"^.*$", open311.not_found),
]
