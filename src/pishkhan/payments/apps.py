from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "pishkhan.payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # The workflow listeners (an invoice with each request, refunds by rule when one is
        # rejected or cancelled) and the signing keys' system check.
        from . import checks, invoicing, refunds  # noqa: F401
