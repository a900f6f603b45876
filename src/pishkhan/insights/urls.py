from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("insights/", views.national, name="national"),
    path("agency/insights/", views.agency, name="agency"),
    path("province/", views.my_province, name="my_province"),
    # Before the province's page, whose SCI code would otherwise take "requests".
    path("province/requests/", views.province_requests, name="province_requests"),
    path("province/<str:sci_code>/", views.province, name="province"),
    path("province/<str:sci_code>/counties/<str:county_code>/", views.county, name="county"),
    path("province/<str:sci_code>/offices/<str:licence_number>/", views.office, name="office"),
    path(
        "province/<str:sci_code>/offices/<str:licence_number>/requests/",
        views.office_requests,
        name="office_requests",
    ),
]
