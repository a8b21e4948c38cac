"""Reads of notifications: a user's webhooks and their deliveries, new events for sockets."""

from django.db.models import Max, Q, QuerySet

from notifications.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint


def webhook_endpoints(*, user_id: int) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(user_id=user_id)


def webhook_deliveries(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return endpoint.deliveries.select_related("event").order_by("-created_at", "-id")


def deliveries_stalled(*, never_sent_before, retry_before) -> QuerySet:
    return (
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
        .filter(
            Q(attempts=0, created_at__lt=never_sent_before)
            | Q(attempts__gt=0, last_attempt_at__lt=retry_before)
        )
        .values_list("pk", flat=True)
    )


def newest_event_time():
    return Event.objects.aggregate(newest=Max("created_at"))["newest"]


def events_since(since) -> list[dict]:
    """Events created at or after `since` (all of them for None), oldest first."""
    events = Event.objects.all() if since is None else Event.objects.filter(created_at__gte=since)
    return list(
        events.order_by("created_at", "id").values("id", "user_id", "created_at", "payload")
    )
