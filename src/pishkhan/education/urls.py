from .views import urlpatterns as certificate_urls

app_name = "education"
urlpatterns = [*certificate_urls]
