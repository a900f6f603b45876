from django.urls import path

from . import views

app_name = "offices"
urlpatterns = [
    path("", views.finder, name="finder"),
    path("<str:licence_number>/", views.office_detail, name="office_detail"),
]
