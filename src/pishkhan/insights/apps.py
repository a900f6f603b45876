from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "pishkhan.insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        # Every request's state change leaves a pending change for the rollups (listeners).
        from . import listeners  # noqa: F401
