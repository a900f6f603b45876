from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "pishkhan.catalog"
    verbose_name = _("Service catalogue")

    def ready(self) -> None:
        from pishkhan.core import readahead
        from pishkhan.workflow.models import set_agency_services

        from . import filing  # connects the catalogue-changed signals
        from .models import Service

        # Signed-in requests read the generation with their user (the filing pages use it).
        readahead.register(filing.generation_keys)

        set_agency_services(Service.objects.of_agency_and_others)
