"""ASGI entry point: HTTP through Django, WebSockets (live workouts, the event stream)
through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coach.settings.local")
# Django is set up before anything imports models (the consumers do).
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from notifications.routing import websocket_urlpatterns as notification_routes  # noqa: E402
from workouts.live.routing import websocket_urlpatterns as live_routes  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        # Session cookies authenticate browsers; the consumer checks the Origin itself so
        # that token-authenticated apps (no Origin header) are not turned away.
        "websocket": AuthMiddlewareStack(URLRouter(live_routes + notification_routes)),
    }
)
