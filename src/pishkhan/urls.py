from django.conf import settings
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
    path("", include("pishkhan.education.urls")),
    path("", include("pishkhan.insights.urls")),
    path("api/", include("pishkhan.api.urls")),
    path("open311/", include("pishkhan.api.open311_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz/", core_views.healthz, name="healthz"),
    path("dev/outbox/", notify_views.outbox, name="dev_outbox"),
    path("admin/", admin.site.urls),
]

if settings.PISHKHAN_PAYMENT_GATEWAY == "az":
    # The optional card-gateway library receives the bank's callback and verifies it there,
    # then sends the payer on to payments:gateway_callback (docs/money.md).
    from azbankgateways.urls import az_bank_gateways_urls

    urlpatterns.append(path("bankgateways/", az_bank_gateways_urls()))

# JSON under /api/, the site's pages elsewhere (pishkhan.api.errors).
handler400 = "pishkhan.api.errors.bad_request"
handler403 = "pishkhan.core.views.permission_denied"
handler404 = "pishkhan.api.errors.page_not_found"
handler500 = "pishkhan.api.errors.server_error"
