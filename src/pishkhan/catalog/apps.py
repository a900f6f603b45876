from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "pishkhan.catalog"
    verbose_name = _("Service catalogue")

    def ready(self) -> None:
        from . import filing  # noqa: F401  (connects the catalogue-changed signals)
