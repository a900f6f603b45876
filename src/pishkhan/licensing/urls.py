from django.urls import path

from . import views

app_name = "licensing"
urlpatterns = [
    path("licensing/apply/", views.apply, name="apply"),
    path("licensing/applications/<int:pk>/", views.application, name="application"),
    path(
        "licensing/applications/<int:pk>/documents/<int:document_id>/",
        views.application_document,
        name="application_document",
    ),
    path("regulator/", views.queue, name="queue"),
    path("regulator/offices/", views.offices, name="offices"),
    path("regulator/ranking/", views.ranking, name="ranking"),
    path("regulator/fee-caps/", views.fee_caps, name="fee_caps"),
    path("regulator/offices/<str:licence_number>/", views.office, name="office"),
    path("regulator/capacity/<str:sci_code>/", views.capacity, name="capacity"),
]
