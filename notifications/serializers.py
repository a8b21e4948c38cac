from django.core.validators import URLValidator
from rest_framework import serializers

from coach.api.fields import StrictCharField, StrictModelSerializer
from notifications.addresses import UrlRefused, check_url, split_url
from notifications.models import WebhookDelivery, WebhookEndpoint

# The codes of a refused webhook URL (field `url`, 400).
URL_ERROR_CODES = [
    "unsupported_scheme",
    "credentials_in_url",
    "unresolvable_host",
    "private_address",
]


class WebhookSerializer(StrictModelSerializer):
    url = StrictCharField(
        max_length=2000,
        help_text="Where deliveries are POSTed: http(s), on a public address.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_url(self, url: str) -> str:
        try:
            split_url(url)  # the scheme first, so ftp:// or file:// get their own code
            URLValidator(schemes=["http", "https"])(url)
            check_url(url)
        except UrlRefused as refused:
            raise serializers.ValidationError(refused.message, code=refused.code)
        return url


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="Signs every delivery (docs/webhooks.md). Shown this once: store it now.",
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookSerializer.Meta.read_only_fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event = serializers.UUIDField(
        source="event.uuid", read_only=True, help_text="Sent as `Coach-Webhook-Id`."
    )
    event_type = serializers.CharField(source="event.type", read_only=True)
    session = serializers.IntegerField(source="event.session_id", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "event_type",
            "session",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "created_at",
            "last_attempt_at",
            "delivered_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "last_status_code": {"help_text": "The receiver's answer; null when none came."},
            "last_error": {"help_text": "Why the last attempt failed; empty once delivered."},
        }
