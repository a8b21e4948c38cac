"""docker/nginx.conf, the production proxy: run for real in front of gunicorn and daphne (where
nginx is installed), on loopback ports and with a 1 MB cap instead of 2 GB."""

import asyncio
import http.client
import json
import re
import shutil
from pathlib import Path

import pytest
import websockets
from rest_framework_simplejwt.tokens import RefreshToken

from tests.servers import (
    REPO,
    daphne_command,
    env_on_the_test_database,
    free_port,
    gunicorn_command,
    serving,
)
from tests.videos import write_synthetic_video
from workouts.uploads.direct import MULTIPART_OVERHEAD_BYTES

CONF = REPO / "docker" / "nginx.conf"
LOG = REPO / ".pytest_cache" / "proxy.log"


def test_the_proxys_cap_is_the_upload_limit_plus_the_multipart_framing(settings):
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", CONF.read_text())[1])
    limit = settings.WORKOUTS_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES
    assert megabytes * 1024**2 == limit


def local_conf(folder: Path, *, listen: int, web: int, live: int) -> Path:
    """The production file with loopback addresses, a 1 MB cap and its files in `folder`."""
    text = CONF.read_text()
    for production, local in [
        ("server web:8000;", f"server 127.0.0.1:{web};"),
        ("server live:8001;", f"server 127.0.0.1:{live};"),
        ("listen 80;", f"listen 127.0.0.1:{listen};"),
        ("client_max_body_size 2049m;", "client_max_body_size 1m;"),
        ("http {", f"http {{\n    client_body_temp_path {folder}/body;\n"
                   f"    proxy_temp_path {folder}/proxy;\n    access_log {folder}/access.log;"),
    ]:  # fmt: skip
        assert production in text, production
        text = text.replace(production, local, 1)
    conf = folder / "nginx.conf"
    conf.write_text(text)
    return conf


@pytest.fixture
def proxy(tmp_path, transactional_db):
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx)")
    env = {**env_on_the_test_database(), "CELERY_BROKER_URL": "memory://"}  # nothing queued
    web, live, listen = free_port(), free_port(), free_port()
    conf = local_conf(tmp_path, listen=listen, web=web, live=live)
    nginx = ["nginx", "-p", str(tmp_path), "-c", str(conf), "-g",
             f"daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;"]  # fmt: skip
    with (
        serving(gunicorn_command(web, workers=2), env=env, port=web, log=LOG),
        serving(daphne_command(live), env=env, port=live, log=LOG),
        serving(nginx, env=env, port=listen, log=LOG),
    ):
        yield listen


def post_video(port: int, token: str, pieces: list[bytes]) -> tuple[int, dict]:
    """A direct upload sent chunked (no Content-Length), as a streaming client sends it."""
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="video"; filename="w.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "POST",
        "/api/v1/sessions/",
        body=iter([head, *pieces, f"\r\n--{boundary}--\r\n".encode()]),
        headers={"Authorization": f"Bearer {token}",
                 "Content-Type": f"multipart/form-data; boundary={boundary}"},
        encode_chunked=True,
    )  # fmt: skip
    response = connection.getresponse()
    return response.status, json.loads(response.read())


@pytest.mark.slow
def test_the_proxy_routes_http_and_the_websockets_and_caps_bodies(proxy, user, tmp_path):
    token = str(RefreshToken.for_user(user).access_token)
    # A chunked body reaches gunicorn with a length (the proxy buffers it)...
    video = write_synthetic_video(tmp_path / "w.mp4").read_bytes()
    status, session = post_video(proxy, token, [video])
    assert status == 201, session
    # ...and one that grows past the cap is refused there, in the API's error shape.
    status, error = post_video(proxy, token, [b"\0" * 256 * 1024] * 8)
    assert status == 413
    assert error == {
        "type": "client_error",
        "errors": [{"code": "file_too_large", "detail": error["errors"][0]["detail"],
                    "attr": None}],
    }  # fmt: skip

    async def handshake(path):
        async with websockets.connect(f"ws://127.0.0.1:{proxy}{path}") as ws:
            await ws.send(json.dumps({"type": "auth", "token": token}))
            return json.loads(await asyncio.wait_for(ws.recv(), 10))

    # daphne, through the proxy: the live socket and the event stream
    assert asyncio.run(handshake("/api/v1/live/"))["type"] == "ready"
    assert asyncio.run(handshake("/api/v1/events/"))["type"] == "ready"
