from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "pishkhan.feedback"
    verbose_name = _("Satisfaction and complaints")

    def ready(self) -> None:
        # Hooks of the lower layers, which never import feedback: the rating link on delivery
        # (workflow events) and the ranking's satisfaction and complaint measures (licensing).
        from pishkhan.licensing.ranking import register_measures
        from pishkhan.workflow.events import register

        from . import listeners, selectors

        register(listeners.send_rating_link)
        register_measures(
            satisfaction=selectors.office_satisfaction,
            upheld_complaints=selectors.upheld_complaints,
        )
