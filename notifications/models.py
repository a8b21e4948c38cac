"""Events of a user's sessions and the webhooks that carry them elsewhere."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class EventType(models.TextChoices):
    SESSION_DONE = "session.done", "A session's analysis finished"
    SESSION_FAILED = "session.failed", "A session's analysis failed"


class Event(models.Model):
    """Something a user's apps are told about, once, on every channel."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=40, choices=EventType.choices)
    session_id = models.BigIntegerField(
        help_text="The session it is about (no foreign key: "
        "an event outlives a deleted session in the logs)."
    )
    payload = models.JSONField(help_text="What sockets and webhooks receive.")
    # The database's clock, not a machine's: the web processes read events by this time
    # (notifications.hub), and the workers that write them run elsewhere.
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="notifications_event_time")]


class WebhookEndpoint(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2000)
    # Kept in clear: every delivery is signed with it. Shown to the user once, at creation.
    secret = models.CharField(max_length=100)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent, or to be sent again"
    SUCCEEDED = "succeeded", "The receiver answered 2xx"
    FAILED = "failed", "Every attempt failed"


class WebhookDelivery(models.Model):
    """One event sent to one endpoint: the delivery log."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="notifications_one_delivery")
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="notifications_pending")]
