from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "pishkhan.catalog"
    verbose_name = _("Service catalogue")

    def ready(self) -> None:
        from pishkhan.workflow.models import set_agency_services

        from . import filing  # noqa: F401  (connects the catalogue-changed signals)
        from .models import Service

        set_agency_services(Service.objects.of_agency_and_others)
