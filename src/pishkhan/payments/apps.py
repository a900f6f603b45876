from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "pishkhan.payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # The workflow listeners (an invoice with each request, refunds by rule when one is
        # rejected or cancelled) and the signing keys' system check.
        # The demo (`pishkhan demo`) pays a request before delivering it, as the guard asks.
        from pishkhan.cases import demo as cases_demo

        from . import checks, demo, invoicing, refunds  # noqa: F401

        if demo.settle not in cases_demo.SETTLERS:
            cases_demo.SETTLERS.append(demo.settle)
