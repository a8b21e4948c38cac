"""What every WebSocket endpoint of the API shares (the live workout, the event stream):
authentication by the session cookie (browsers, checked against the Origin) or by a first
`{"type": "auth", "token": ...}` message carrying a JWT (apps; tokens never go in the URL),
JSON text messages with a `type`, and `error` messages with a code."""

import asyncio
import json
import logging
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.http.request import validate_host

log = logging.getLogger(__name__)

AUTH_TIMEOUT_S = 10.0
NOT_AUTHENTICATED = 4401


class SocketInputError(Exception):
    """A client message the server cannot use; `code` goes back in the `error` message."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


def origin_is_trusted(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the session cookie may be trusted: a browser page from another site must not
    act as the visitor (cross-site WebSocket hijacking). No Origin header: not a browser."""
    origin = dict(headers).get(b"origin")
    if origin is None:
        return True
    origin = origin.decode("latin-1")
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    host = urlsplit(origin).hostname
    return bool(host) and validate_host(host, settings.ALLOWED_HOSTS)


@database_sync_to_async
def user_from_token(raw: str):
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

    authentication = JWTAuthentication()
    try:
        return authentication.get_user(authentication.get_validated_token(raw.encode()))
    except (InvalidToken, TokenError, AuthenticationFailed):
        return None


class AuthenticatedJsonConsumer(AsyncWebsocketConsumer):
    """A socket that answers `ready` once it knows its user and hands each later JSON message
    to `handlers()[type]`. Subclasses add `on_authenticated` (done before `ready` is sent),
    `on_binary` and `on_disconnect`."""

    # The project configures no channel layer: results and events reach sockets otherwise.
    channel_layer_alias = None
    # Errors a handler raises for a message the client got wrong (with `code` and `detail`).
    input_errors: tuple[type[Exception], ...] = (SocketInputError,)

    async def connect(self):
        user = self.scope.get("user")
        trusted = origin_is_trusted(self.scope.get("headers", []))
        self.user = user if trusted and user is not None and user.is_authenticated else None
        self.closed = False
        self.auth_timer: asyncio.Task | None = None
        self.setup()
        await self.accept()
        if self.user is not None:
            await self._ready()
        else:
            self.auth_timer = asyncio.create_task(self._close_if_unauthenticated())

    def setup(self):
        """Per-socket state, before the socket is accepted."""

    async def _ready(self):
        await self.on_authenticated()
        await self.send_json({"type": "ready", "user": self.user.pk})

    async def on_authenticated(self):
        pass

    async def _close_if_unauthenticated(self):
        await asyncio.sleep(AUTH_TIMEOUT_S)
        if self.user is None and not self.closed:
            await self.send_error("not_authenticated", "Authenticate within 10 seconds.")
            await self.close(code=NOT_AUTHENTICATED)

    async def disconnect(self, code):
        self.closed = True
        if self.auth_timer is not None:
            self.auth_timer.cancel()
        await self.on_disconnect()

    async def on_disconnect(self):
        pass

    # --- sending --------------------------------------------------------------------

    async def send_json(self, message: dict):
        if not self.closed:
            await self.send(text_data=json.dumps(message))

    async def send_error(self, code: str, detail: str):
        await self.send_json({"type": "error", "code": code, "detail": detail})

    async def fail(self, close_code: int, code: str, detail: str):
        """An error, then the socket is closed with `close_code`."""
        if self.closed:
            return
        await self.send_error(code, detail)
        await self.close(code=close_code)
        self.closed = True

    # --- receiving ------------------------------------------------------------------

    def handlers(self) -> dict:
        """Message type -> coroutine function taking the message, once authenticated."""
        return {}

    async def on_binary(self, data: bytes):
        await self.send_error("bad_message", "This endpoint takes no binary messages.")

    async def receive(self, text_data=None, bytes_data=None):
        if self.closed:
            return
        if bytes_data is not None:
            if self.user is None:
                return await self.fail(
                    NOT_AUTHENTICATED, "not_authenticated", "Authenticate first."
                )
            return await self.on_binary(bytes_data)
        try:
            message = json.loads(text_data)
        except (TypeError, ValueError):
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return await self.send_error("bad_message", "Messages are JSON objects with a type.")
        kind = message["type"]
        if self.user is None:
            if kind == "auth":
                return await self.on_auth(message)
            return await self.fail(NOT_AUTHENTICATED, "not_authenticated", "Authenticate first.")
        handler = {"auth": self.on_auth, **self.handlers()}.get(kind)
        if handler is None:
            return await self.send_error("bad_message", f"Unknown message type {kind!r}.")
        try:
            await handler(message)
        except self.input_errors as error:
            await self.send_error(error.code, error.detail)
        except Exception:  # a bug of ours must not take the socket down
            log.exception("socket message %r failed", kind)
            await self.send_error("server_error", "The server failed to handle that message.")

    async def on_auth(self, message):
        if self.user is not None:
            return await self.send_error("already_authenticated", "This socket is signed in.")
        token = message.get("token")
        user = await user_from_token(token) if isinstance(token, str) and token else None
        if user is None:
            return await self.fail(
                NOT_AUTHENTICATED, "not_authenticated", "The token is invalid or expired."
            )
        self.user = user
        await self._ready()
