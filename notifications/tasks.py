"""Celery tasks of notifications: thin, take ids, safe to run twice."""

from celery import shared_task


@shared_task(bind=True, name="notifications.deliver_webhook", acks_late=True, ignore_result=True)
def deliver_webhook(self, delivery_id: int) -> None:
    """One attempt at a webhook delivery; a failed one is tried again later (backoff)."""
    from notifications.services import delivery_attempt

    wait_s = delivery_attempt(delivery_id=delivery_id)
    if wait_s is not None:
        # The attempts are counted on the row, not by Celery: no retry limit here.
        raise self.retry(countdown=wait_s, max_retries=None)


@shared_task(name="notifications.resend_stalled_deliveries", ignore_result=True)
def resend_stalled_deliveries() -> int:
    """Periodic (celery beat): deliveries whose task never reached the broker or was lost."""
    from notifications.services import deliveries_resend_stalled

    return deliveries_resend_stalled()


@shared_task(name="notifications.purge_old_events", ignore_result=True)
def purge_old_events() -> int:
    """Periodic (celery beat): events and their delivery log after 30 days."""
    from notifications.services import events_purge_old

    return events_purge_old()
