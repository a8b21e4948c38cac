"""State changes of notifications: events recorded, webhooks registered and delivered."""

import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications import selectors, sending, signing
from notifications.addresses import UrlRefused, check_url
from notifications.models import (
    DeliveryStatus,
    Event,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
)
from notifications.tasks import deliver_webhook

log = logging.getLogger(__name__)

EVENT_TYPES = {"done": EventType.SESSION_DONE, "failed": EventType.SESSION_FAILED}


def event_record_session_finished(*, user_id: int, session_id: int, status: str, session: dict):
    """Records the event and a delivery per webhook of the user, and sends them once the
    analysis's transaction commits (workouts.events runs this in a savepoint: a failure is
    rolled back alone and logged; the analysis stands)."""
    event = Event(user_id=user_id, type=EVENT_TYPES[status], session_id=session_id)
    event.payload = {
        "id": str(event.uuid),
        "type": event.type,
        "created_at": timezone.now().isoformat().replace("+00:00", "Z"),
        "session": session,
    }
    event.save()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event=event)
        for endpoint in selectors.webhook_endpoints(user_id=user_id)
    )
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        transaction.on_commit(lambda: _send_deliveries(ids))
    return event


def _send_deliveries(delivery_ids: list[int]) -> None:
    # After the commit: a broker that is down now leaves them pending, and
    # `deliveries_resend_stalled` sends them later.
    for delivery_id in delivery_ids:
        try:
            deliver_webhook.delay(delivery_id)
        except Exception as error:  # noqa: BLE001  (any broker error: the sweep sends it)
            log.warning("webhook delivery %s waits for a re-send: %s", delivery_id, error)


def webhook_create(*, user, url: str, description: str = "") -> WebhookEndpoint:
    """Raises UrlRefused for a URL the server must not call."""
    check_url(url)
    return WebhookEndpoint.objects.create(
        user=user, url=url, description=description, secret=signing.new_secret()
    )


def webhook_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()  # its pending deliveries go with it; their tasks find nothing


def backoff_s(attempts: int) -> float:
    """Seconds before attempt `attempts + 1`: doubling from NOTIFICATIONS_WEBHOOK_BACKOFF_S,
    at most an hour."""
    return min(settings.NOTIFICATIONS_WEBHOOK_BACKOFF_S * 2 ** (attempts - 1), 3600.0)


def delivery_attempt(*, delivery_id: int) -> float | None:
    """Sends the delivery once and logs the outcome on its row. Returns the seconds to wait
    before the next attempt, or None when there is none to make (delivered, given up, gone).
    The row is locked while it is sent, so two runs of the task never send it twice at once."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:
            return None
        status_code, error = _post(delivery)
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        delivery.last_status_code = status_code
        delivery.last_error = error[:500]
        if error == "":
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.delivered_at = delivery.last_attempt_at
        elif delivery.attempts >= settings.NOTIFICATIONS_WEBHOOK_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        delivery.save()
    if delivery.status == DeliveryStatus.PENDING:
        return backoff_s(delivery.attempts)
    return None


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """(status code, error): the error is empty for a 2xx answer."""
    body = json.dumps(delivery.event.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "coach-webhooks/1",
        signing.ID_HEADER: str(delivery.event.uuid),
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.signature(delivery.endpoint.secret, timestamp, body),
    }
    try:
        status_code = sending.post(
            delivery.endpoint.url,
            body,
            headers,
            timeout_s=settings.NOTIFICATIONS_WEBHOOK_TIMEOUT_S,
        )
    except UrlRefused as refused:
        return None, refused.message
    except (OSError, ValueError) as error:  # refused, timed out, TLS, a malformed answer
        return None, f"{type(error).__name__}: {error}".rstrip(": ")
    if 200 <= status_code < 300:
        return status_code, ""
    return status_code, f"The receiver answered {status_code}."


# A delivery pending this long after its last attempt (or its creation) lost its task: the
# broker was down when it was to be sent, or lost the retry.
STALLED_AFTER = timedelta(minutes=5)


def deliveries_resend_stalled() -> int:
    cutoff = timezone.now() - STALLED_AFTER - timedelta(seconds=backoff_s(99))
    fresh_cutoff = timezone.now() - STALLED_AFTER
    ids = list(selectors.deliveries_stalled(never_sent_before=fresh_cutoff, retry_before=cutoff))
    _send_deliveries(ids)
    return len(ids)


EVENTS_KEPT = timedelta(days=30)


def events_purge_old() -> int:
    """Events (and their delivery log) older than 30 days."""
    deleted, _ = Event.objects.filter(created_at__lt=timezone.now() - EVENTS_KEPT).delete()
    return deleted
