from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EducationConfig(AppConfig):
    name = "pishkhan.education"
    verbose_name = _("Education records")

    def ready(self) -> None:
        # Certificates follow their requests (listeners), and /verify/<code>/ answers for them.
        from . import listeners, views  # noqa: F401
