"""WebSocket routes of the workouts app (mounted by coach/asgi.py)."""

from django.urls import path

from workouts.live.consumer import LiveSessionConsumer

websocket_urlpatterns = [
    path("api/v1/live/", LiveSessionConsumer.as_asgi(), name="live"),
]
