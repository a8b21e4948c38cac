"""WebSocket routes of notifications (mounted by coach/asgi.py)."""

from django.urls import path

from notifications.consumer import EventStreamConsumer

websocket_urlpatterns = [
    path("api/v1/events/", EventStreamConsumer.as_asgi(), name="events"),
]
