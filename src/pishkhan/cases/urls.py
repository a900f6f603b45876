from django.urls import path

from .views import agency, office, public

app_name = "cases"
urlpatterns = [
    path("track/", public.track, name="track"),
    path("office/", office.home, name="office_home"),
    path("office/new/", office.identify, name="office_identify"),
    path("office/new/<str:token>/", office.choose_service, name="office_choose_service"),
    path("office/new/<str:token>/<str:code>/", office.new_request, name="office_new_request"),
    path("office/requests/<str:tracking_code>/", office.request_detail, name="office_request"),
    path("office/requests/<str:tracking_code>/receipt/", office.receipt, name="office_receipt"),
    path("agency/", agency.queue, name="agency_queue"),
    path("agency/requests/<str:tracking_code>/", agency.request_detail, name="agency_request"),
    path(
        "requests/<str:tracking_code>/attachments/<int:attachment_id>/",
        agency.attachment,
        name="attachment",
    ),
]
