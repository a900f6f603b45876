from celery import shared_task

from .services import reconcile_pending


@shared_task
def reconcile_payments() -> dict[str, int]:
    """Ask the gateway about online payments left pending longer than
    PISHKHAN_PAYMENT_RECONCILE_MINUTES; settle or close each one."""
    return reconcile_pending()
