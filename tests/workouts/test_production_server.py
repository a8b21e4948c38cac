"""The web stack as production runs it (docker/): gunicorn worker processes for HTTP, daphne
for the live WebSocket. A large direct upload streams to disk in one worker while the
others answer /healthz and the WebSocket stays live; a body declared over the limit is
refused before it is sent; tus-java-client's chunked PATCH is read to its end."""

import http.client
import json
import time
from urllib.parse import urlsplit

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from tests.polling import LiveSocketPinger, Poller
from tests.servers import (
    REPO,
    daphne_command,
    env_on_the_test_database,
    free_port,
    gunicorn_command,
    serving,
)
from tests.videos import multipart_file, padded_video
from workouts.models import ChunkedUpload, WorkoutSession

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LOG = REPO / ".pytest_cache" / "production-server.log"
UPLOAD_BYTES = 40 * 1024 * 1024
SEND_PIECE_DELAY_S = 0.05  # a client that takes a few seconds, so the polls overlap it
LIVENESS_S = 5.0  # generous: this is about never stalling, not about speed


@pytest.fixture
def server_env():
    # The sessions made here are never analysed: their tasks stay in the server's memory
    # instead of waiting in a shared broker for a later test's worker.
    return {**env_on_the_test_database(), "CELERY_BROKER_URL": "memory://"}


@pytest.fixture
def web(server_env):
    port = free_port()
    with serving(gunicorn_command(port, workers=3), env=server_env, port=port, log=LOG) as server:
        yield server.url


@pytest.fixture
def token(user):
    return str(RefreshToken.for_user(user).access_token)


def connect(url: str, timeout_s: float = 60) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout_s)


def paced(pieces):
    for piece in pieces:
        yield piece
        time.sleep(SEND_PIECE_DELAY_S)


def healthz(url: str) -> int:
    connection = connect(url, LIVENESS_S)
    connection.request("GET", "/healthz")
    return connection.getresponse().status


def test_a_large_upload_stalls_neither_healthz_nor_a_live_websocket(
    web, server_env, token, synthetic_video
):
    ws_port = free_port()
    with serving(daphne_command(ws_port), env=server_env, port=ws_port, log=LOG):
        healthz_polls = Poller(lambda: healthz(web))
        live = LiveSocketPinger(
            f"ws://127.0.0.1:{ws_port}/api/v1/live/", token, timeout_s=LIVENESS_S
        )
        live.start()
        assert live.ready.wait(LIVENESS_S * 2), "the live WebSocket did not open"
        healthz_polls.start()
        video = padded_video(synthetic_video.read_bytes(), UPLOAD_BYTES)
        content_type, length, body = multipart_file("video", "big.mp4", UPLOAD_BYTES, video)
        connection = connect(web)
        started = time.monotonic()
        connection.request(
            "POST",
            "/api/v1/sessions/",
            body=paced(body),
            headers={"Authorization": f"Bearer {token}", "Content-Type": content_type,
                     "Content-Length": str(length)},
        )  # fmt: skip
        response = connection.getresponse()
        answer = response.read()
        finished = time.monotonic()
        healthz_polls.stop()
        live.stop()

    assert response.status == 201, answer
    assert WorkoutSession.objects.get().video_size_bytes == UPLOAD_BYTES
    for poller, right in [(healthz_polls, 200), (live, "pong")]:
        during = poller.between(started, finished)
        assert len(during) >= 3, f"too few calls while the upload was in flight: {during}"
        assert all(call.result == right for call in during), during
        assert max(call.seconds for call in during) < LIVENESS_S


def send_headers_only(url: str, path: str, headers: dict) -> tuple[int, dict]:
    """The request line and headers, and not one byte of the body; then the answer."""
    connection = connect(url, LIVENESS_S * 2)
    connection.putrequest("POST", path)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_a_body_declared_over_the_limit_is_refused_before_it_is_sent(web, token):
    status, answer = send_headers_only(
        web,
        "/api/v1/sessions/",
        {"Authorization": f"Bearer {token}", "Content-Length": str(10 * 1024**3),
         "Content-Type": "multipart/form-data; boundary=x"},
    )  # fmt: skip
    assert status == 413
    assert answer["errors"][0]["code"] == "file_too_large"
    assert answer["errors"][0]["attr"] == "video"


def test_a_direct_upload_without_length_is_refused_before_it_is_sent(web, token):
    status, answer = send_headers_only(
        web,
        "/api/v1/sessions/",
        {"Authorization": f"Bearer {token}", "Transfer-Encoding": "chunked",
         "Content-Type": "multipart/form-data; boundary=x"},
    )  # fmt: skip
    assert status == 411
    assert answer["errors"][0]["code"] == "length_required"


def test_a_chunked_tus_patch_is_read_to_its_end(web, token):
    tus = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    data = bytes(range(256)) * 4096
    connection = connect(web)
    connection.request("POST", "/api/v1/uploads/", headers={**tus, "Upload-Length": str(len(data))})
    created = connection.getresponse()
    created.read()
    assert created.status == 201
    connection = connect(web)
    connection.request(
        "PATCH",
        urlsplit(created.headers["Location"]).path,
        body=iter([data[:1000], data[1000:500_000], data[500_000:]]),
        headers={**tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        encode_chunked=True,
    )
    patched = connection.getresponse()
    assert patched.status == 204, patched.read()
    assert patched.headers["Upload-Offset"] == str(len(data))
    assert ChunkedUpload.objects.get().offset == len(data)
