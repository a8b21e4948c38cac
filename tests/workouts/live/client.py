"""Helpers for talking to the live WebSocket endpoint in tests."""

import json
import struct

import cv2
import numpy as np
from channels.testing import WebsocketCommunicator

from inference.pose import N_LANDMARKS

LIVE_PATH = "/api/v1/live/"


def communicator(*, cookie: str | None = None, origin: str | None = None):
    from coach.asgi import application

    headers = []
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    if origin:
        headers.append((b"origin", origin.encode()))
    return WebsocketCommunicator(application, LIVE_PATH, headers=headers)


def session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def access_token(user) -> str:
    from rest_framework_simplejwt.tokens import RefreshToken

    return str(RefreshToken.for_user(user).access_token)


def frame_message(t: float, jpeg: bytes) -> bytes:
    return struct.pack(">d", t) + jpeg


def jpeg_of(rgb: np.ndarray, quality: int = 90) -> bytes:
    ok, data = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    assert ok
    return data.tobytes()


def standing_pose(phase: float = 0.0) -> dict:
    """A plausible person (deterministic numbers, moving a little with `phase`)."""
    rng = np.random.default_rng(7)
    image = rng.uniform(0.3, 0.7, (N_LANDMARKS, 3))
    world = rng.uniform(-0.5, 0.5, (N_LANDMARKS, 3))
    image[:, 1] += 0.05 * np.sin(phase)
    world[:, 1] += 0.1 * np.sin(phase)
    return {
        "image": image.round(5).tolist(),
        "world": world.round(5).tolist(),
        "visibility": [0.9] * N_LANDMARKS,
    }


async def receive(comm, timeout: float = 30) -> dict:
    return json.loads(await comm.receive_from(timeout=timeout))


async def receive_until(comm, kind: str, timeout: float = 60) -> dict:
    """The next message of type `kind`, skipping updates and the like."""
    while True:
        message = await receive(comm, timeout)
        if message["type"] == kind:
            return message
        assert message["type"] != "error" or kind == "error", message


async def closed_with(comm, timeout: float = 30) -> int:
    """The server's close code; then the client side closes too, so the consumer ends."""
    output = await comm.receive_output(timeout=timeout)
    while output["type"] != "websocket.close":
        output = await comm.receive_output(timeout=timeout)
    await comm.disconnect(code=output.get("code", 1000), timeout=timeout)
    return output.get("code")
