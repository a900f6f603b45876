from django.urls import path

from .views import agency, office, portal, province, public

app_name = "cases"
urlpatterns = [
    path("track/", public.track, name="track"),
    path("office/", office.home, name="office_home"),
    path("office/new/", office.identify, name="office_identify"),
    path("office/new/<str:token>/", office.choose_service, name="office_choose_service"),
    path("office/new/<str:token>/<str:code>/", office.new_request, name="office_new_request"),
    path("office/requests/<str:tracking_code>/", office.request_detail, name="office_request"),
    path("office/requests/<str:tracking_code>/receipt/", office.receipt, name="office_receipt"),
    path("portal/", portal.home, name="portal_home"),
    path("portal/login/", portal.login, name="portal_login"),
    path("portal/login/code/", portal.enter_code, name="portal_code"),
    path("portal/logout/", portal.logout, name="portal_logout"),
    path("portal/data-access/", portal.data_access, name="portal_data_access"),
    path("portal/new/", portal.choose_service, name="portal_choose_service"),
    path("portal/new/<str:code>/", portal.new_request, name="portal_new_request"),
    path("portal/requests/<str:tracking_code>/", portal.request_detail, name="portal_request"),
    path("portal/requests/<str:tracking_code>/answer/", portal.answer, name="portal_answer"),
    path("portal/requests/<str:tracking_code>/receipt/", portal.receipt, name="portal_receipt"),
    path("agency/", agency.queue, name="agency_queue"),
    path("agency/requests/<str:tracking_code>/", agency.request_detail, name="agency_request"),
    path(
        "province/requests/<str:tracking_code>/",
        province.request_detail,
        name="province_request",
    ),
    path(
        "requests/<str:tracking_code>/attachments/<int:attachment_id>/",
        agency.attachment,
        name="attachment",
    ),
]
