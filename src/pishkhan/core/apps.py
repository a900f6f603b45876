from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "pishkhan.core"
    verbose_name = _("Reference data")

    def ready(self) -> None:
        from . import admin_dates, calendar

        calendar.install()
        admin_dates.install()  # the admin's dates in Jalali in Persian (decision 65)
