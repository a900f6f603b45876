from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "pishkhan.core"
    verbose_name = _("Reference data")

    def ready(self) -> None:
        from . import calendar

        calendar.install()
