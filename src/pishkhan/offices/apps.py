from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficesConfig(AppConfig):
    name = "pishkhan.offices"
    verbose_name = _("Counter offices")
