from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensingConfig(AppConfig):
    name = "pishkhan.licensing"
    verbose_name = _("Office licensing")

    def ready(self) -> None:
        from pishkhan.workflow.models import reserve_for_platform

        from .services import APPLICATION_WORKFLOW, OFFICE_WORKFLOW

        # The regulator's processes: no agency's administrator reads or changes them.
        reserve_for_platform(APPLICATION_WORKFLOW, OFFICE_WORKFLOW)
