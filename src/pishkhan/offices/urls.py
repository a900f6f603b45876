from django.urls import path

from . import manage, views

app_name = "offices"
urlpatterns = [
    path("", views.finder, name="finder"),
    path("manage/", manage.manage, name="manage"),
    path("<str:licence_number>/", views.office_detail, name="office_detail"),
]
