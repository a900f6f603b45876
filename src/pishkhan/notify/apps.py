from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "pishkhan.notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from pishkhan.core import retention

        from .tasks import prune_text_messages

        retention.register("text messages", prune_text_messages)
