from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from pishkhan.core import views as core_views
from pishkhan.notify import views as notify_views

admin.site.site_header = _("Pishkhan administration")
admin.site.site_title = _("Pishkhan")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", include("pishkhan.catalog.urls")),
    path("", include("pishkhan.cases.urls")),
    path("accounts/", include("pishkhan.accounts.urls")),
    path("", include("pishkhan.licensing.urls")),
    path("offices/", include("pishkhan.offices.urls")),
    path("", include("pishkhan.payments.urls")),
    path("feedback/", include("pishkhan.feedback.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz/", core_views.healthz, name="healthz"),
    path("dev/outbox/", notify_views.outbox, name="dev_outbox"),
    path("admin/", admin.site.urls),
]

handler404 = "pishkhan.core.views.page_not_found"
handler500 = "pishkhan.core.views.server_error"
