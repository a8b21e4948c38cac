"""WebSocket clients written from the protocol documents alone (docs/live-protocol.md,
docs/events-protocol.md) with the `websockets` library, as an app team would, against a
real daphne process and real Celery workers (live chunks and the analysis): a camera stream
started, dropped, resumed and stopped, and the event stream telling the app the analysis is
done. Nothing from the server's code is imported."""

import asyncio
import json
import struct
import urllib.request
from pathlib import Path

import cv2
import pytest
import websockets

from tests.clients.conftest import new_account
from tests.servers import REPO, daphne_command, env_on_the_test_database, free_port, serving
from tests.workers import running_worker, wait_until_ready

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LOG = REPO / ".pytest_cache" / "websocket-clients.log"
TIMEOUT_S = 60


@pytest.fixture
def stack(django_db_blocker, tmp_path):
    """daphne (HTTP and WebSockets, as `make run` serves them) and a worker on every queue."""
    port = free_port()
    with django_db_blocker.unblock():
        env = env_on_the_test_database()
        worker_log = tmp_path / "worker.log"
        with running_worker(queues="celery,analysis,live", concurrency=2, log_path=worker_log):
            with serving(daphne_command(port), env=env, port=port, log=LOG) as server:
                wait_until_ready(worker_log)
                yield server.url, f"ws://127.0.0.1:{port}"


def camera_frames(clip: Path, seconds: float) -> list[tuple[float, bytes]]:
    """(time, JPEG) of the clip's frames, as a phone camera sends them."""
    capture = cv2.VideoCapture(str(clip))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while len(frames) < seconds * fps:
        ok, bgr = capture.read()
        if not ok:
            break
        frames.append((len(frames) / fps, cv2.imencode(".jpg", bgr)[1].tobytes()))
    capture.release()
    return frames


def frame(t: float, jpeg: bytes) -> bytes:
    # "8 bytes big-endian IEEE-754 float64 t, then the JPEG bytes"
    return struct.pack(">d", t) + jpeg


def http_json(url: str, body: dict | None = None, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=30) as answer:
        return json.load(answer)


async def next_of(ws, kind: str) -> dict:
    """The next message of type `kind`; updates and the like on the way are skipped."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT_S))
        if message["type"] == kind:
            return message
        assert message["type"] != "error", message


async def signed_in(url: str, token: str, user_id: int):
    ws = await websockets.connect(url, open_timeout=TIMEOUT_S)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT_S)) == {
        "type": "ready",
        "user": user_id,
    }
    return ws


async def workout(http: str, ws_base: str, clip: Path) -> tuple[dict, dict, dict]:
    email, password = new_account()
    account = http_json(f"{http}/api/v1/auth/signup/", {"email": email, "password": password})
    token, user_id = account["tokens"]["access"], account["user"]["id"]
    frames = camera_frames(clip, seconds=4)
    half = len(frames) // 2

    events = await signed_in(f"{ws_base}/api/v1/events/", token, user_id)

    live = await signed_in(f"{ws_base}/api/v1/live/", token, user_id)
    await live.send(json.dumps({"type": "start", "title": "from the protocol document"}))
    started = await next_of(live, "started")
    session_id = started["session"]["id"]
    assert started["received_s"] == 0.0 and started["session"]["status"] == "live"
    for t, jpeg in frames[:half]:
        await live.send(frame(t, jpeg))
    update = await next_of(live, "update")
    assert update["session"] == session_id
    assert {"elapsed_s", "exercise", "reps", "kcal", "person_visible", "t"} <= update.keys()
    # "times must increase": a frame at an old time is refused, the socket stays open.
    await live.send(frame(0.0, frames[0][1]))
    error = json.loads(await asyncio.wait_for(live.recv(), TIMEOUT_S))
    while error["type"] == "update":
        error = json.loads(await asyncio.wait_for(live.recv(), TIMEOUT_S))
    assert (error["type"], error["code"]) == ("error", "bad_time")
    await live.close()  # the connection drops mid-workout

    live = await signed_in(f"{ws_base}/api/v1/live/", token, user_id)
    await live.send(json.dumps({"type": "resume", "session": session_id}))
    resumed = await next_of(live, "resumed")
    assert resumed["session"]["id"] == session_id
    # "resend from just after received_s"
    rest = [(t, jpeg) for t, jpeg in frames if t > resumed["received_s"]]
    assert rest and resumed["received_s"] >= frames[0][0]
    for t, jpeg in rest:
        await live.send(frame(t, jpeg))
    await live.send(json.dumps({"type": "stop"}))
    stopped = await next_of(live, "stopped")
    assert stopped["session"]["status"] in ("pending", "processing", "done")
    await live.close()

    finished = await next_of(events, "session.done")
    await events.close()
    saved = http_json(f"{http}/api/v1/sessions/{session_id}/", token=token)
    return finished, saved, {"token": token}


def test_a_live_workout_and_the_event_that_says_it_is_analysed(stack, clip):
    http, ws_base = stack
    finished, saved, auth = asyncio.run(workout(http, ws_base, clip))
    assert finished["session"]["id"] == saved["id"]
    assert finished["session"]["status"] == saved["status"] == "done"
    assert finished["session"]["total_reps"] == saved["total_reps"]
    assert finished["session"]["reps_by_exercise"] == saved["reps_by_exercise"]
    assert saved["source"] == "live" and saved["has_video"]
    # The stream's frames became the video, and the video a poster frame.
    assert finished["session"]["thumbnail_url"] == saved["thumbnail_url"] is not None
    request = urllib.request.Request(
        f"{http}{saved['thumbnail_url']}", headers={"Authorization": f"Bearer {auth['token']}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.headers["Content-Type"] == "image/jpeg"
        assert answer.read(3) == b"\xff\xd8\xff"
