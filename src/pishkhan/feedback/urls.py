from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("complain/<str:tracking_code>/", views.complain, name="complain"),
    path("rate/<str:token>/", views.rate, name="rate"),
    path("requests/<str:tracking_code>/rate/", views.rate_request, name="rate_request"),
    path("complaints/", views.queue, name="queue"),
    path("complaints/<int:pk>/", views.complaint, name="complaint"),
    path("repayments/", views.repayments, name="repayments"),
]
