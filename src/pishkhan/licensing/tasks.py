from celery import shared_task

from .services import expire_and_remind


@shared_task
def licences_daily() -> dict[str, int]:
    """Expire licences past their date and send renewal reminders (60, 30 and 7 days ahead)."""
    return expire_and_remind()
