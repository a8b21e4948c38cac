"""The `webhooks` section of the user's data export (GET /api/v1/me/export/), added through
settings.USER_EXPORT_SECTIONS. Secrets stay out: an export is a file people pass around."""

from notifications import selectors
from notifications.serializers import WebhookDeliverySerializer, WebhookSerializer


def webhooks_export_data(*, user) -> list[dict]:
    """The user's webhooks, each with its delivery log."""
    return [
        {
            **WebhookSerializer(endpoint).data,
            "deliveries": WebhookDeliverySerializer(
                selectors.webhook_deliveries(endpoint), many=True
            ).data,
        }
        for endpoint in selectors.webhook_endpoints(user_id=user.pk)
    ]
