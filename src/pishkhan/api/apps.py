from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "pishkhan.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        # Webhooks listen to every request's state change (workflow listeners).
        from pishkhan.core import retention

        from . import webhooks  # noqa: F401
        from .tasks import prune_webhook_deliveries

        retention.register("webhook deliveries", prune_webhook_deliveries)
