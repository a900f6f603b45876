from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "pishkhan.payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from . import invoicing  # noqa: F401  (registers the invoice-on-submit listener)
