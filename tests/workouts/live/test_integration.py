"""A real clip streamed over the live WebSocket to a real Celery worker, with a dropped
connection and a resume half-way, compared with the same clip uploaded as a file."""

import time

import cv2
import numpy as np
import pytest
from asgiref.sync import async_to_sync

from tests.factories import UserFactory, WeightEntryFactory
from tests.workers import running_worker
from tests.workouts.live.client import (
    closed_with,
    communicator,
    frame_message,
    jpeg_of,
    receive,
    receive_until,
    session_cookie,
)
from tests.workouts.test_worker_integration import upload, wait_for_status
from workouts.live.protocol import grid_slot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

GRID_STEP_S = 0.1


def clip_frames(path, lossless_copy) -> list[tuple[float, bytes]]:
    """(source time, JPEG) of every frame of the clip, as a phone camera would send them.
    `lossless_copy` gets the same frames as the server will decode them (FFV1, lossless), so
    the upload path sees exactly the pixels the stream carries: JPEG changes pixels, and the
    comparison is about the two paths, not about JPEG."""
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS)
    frames, writer = [], None
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        jpeg = jpeg_of(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), 90)
        if writer is None:
            size = (bgr.shape[1], bgr.shape[0])
            writer = cv2.VideoWriter(str(lossless_copy), cv2.VideoWriter_fourcc(*"FFV1"), fps, size)
            assert writer.isOpened(), "OpenCV cannot write FFV1 here"
        writer.write(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR))
        frames.append((len(frames) / fps, jpeg))
    capture.release()
    writer.release()
    return frames


async def stream(cookie, frames, *, resume=None):
    """Sends `frames` (after a resume when given); returns the session id, the server's
    received_s at the start, and the last update."""
    comm = communicator(cookie=cookie)
    await comm.connect(timeout=30)
    assert (await receive(comm))["type"] == "ready"
    if resume is None:
        await comm.send_json_to({"type": "start", "title": "live squats"})
        opened = await receive(comm)
        assert opened["type"] == "started", opened
    else:
        await comm.send_json_to({"type": "resume", "session": resume})
        opened = await receive(comm)
        assert opened["type"] == "resumed", opened
    session_id = opened["session"]["id"]
    received_s = opened["received_s"]
    sent = [(t, jpeg) for t, jpeg in frames if resume is None or t > received_s]
    for t, jpeg in sent:
        await comm.send_to(bytes_data=frame_message(t, jpeg))
    update = await receive_until(comm, "update", timeout=120)
    while update["t"] < sent[-1][0]:
        update = await receive_until(comm, "update", timeout=120)
    return comm, session_id, received_s, update


def test_streamed_clip_is_saved_like_the_uploaded_clip(client_for, short_squat_clip, tmp_path):
    clip, source = short_squat_clip
    user = UserFactory(height_cm=178, sex="male")
    WeightEntryFactory(user=user, weight_kg=82.0)
    api = client_for(user)
    cookie = session_cookie(user)
    path = tmp_path / f"{source.stem}.mkv"
    frames = clip_frames(source, path)
    half = len(frames) // 2

    async def scenario():
        comm, session_id, _, first = await stream(cookie, frames[:half])
        # The connection drops: no stop. What was received is kept.
        await comm.disconnect(timeout=15)
        comm, resumed_id, received_s, last = await stream(cookie, frames, resume=session_id)
        assert resumed_id == session_id
        await comm.send_json_to({"type": "stop"})
        stopped = await receive_until(comm, "stopped", timeout=60)
        await comm.send_json_to({"type": "resume", "session": session_id})
        assert (await receive(comm))["code"] == "not_live"
        assert await closed_with(comm) == 4409
        return session_id, received_s, first, last, stopped

    # Two worker processes: chunks move between them (pose tracking travels with the rows).
    with running_worker(queues="celery,analysis,live", concurrency=2):
        started = time.monotonic()
        session_id, received_s, first, last, stopped = async_to_sync(scenario)()
        assert stopped["session"]["status"] in ("pending", "processing", "done")
        live, _ = wait_for_status(api, session_id, {"done", "failed"})
        streaming_s = time.monotonic() - started
        uploaded, _ = wait_for_status(api, upload(api, path), {"done", "failed"})

    assert live["status"] == "done", (live["error_code"], live["error_message"], streaming_s)
    assert uploaded["status"] == "done", uploaded["error_message"]
    # Everything sent before the drop was kept: the resume started right after it.
    assert received_s == pytest.approx(frames[half - 1][0], abs=2 / 30)
    assert first["elapsed_s"] == pytest.approx((grid_slot(frames[half - 1][0]) + 1) * GRID_STEP_S)
    assert live["source"] == "live" and live["duration_s"] == pytest.approx(
        uploaded["duration_s"], abs=GRID_STEP_S
    )
    # Same frames, same engine: the same bouts and reps at the same times (to a grid step).
    assert [(b["exercise"], b["reps"]) for b in live["bouts"]] == [
        (b["exercise"], b["reps"]) for b in uploaded["bouts"]
    ]
    assert live["reps_by_exercise"] == uploaded["reps_by_exercise"]
    for ours, theirs in zip(live["bouts"], uploaded["bouts"], strict=True):
        assert ours["start_s"] == pytest.approx(theirs["start_s"], abs=GRID_STEP_S + 1e-6)
        assert ours["end_s"] == pytest.approx(theirs["end_s"], abs=GRID_STEP_S + 1e-6)
        for ours_rep, theirs_rep in zip(ours["rep_times_s"], theirs["rep_times_s"], strict=True):
            assert ours_rep == pytest.approx(theirs_rep, abs=GRID_STEP_S + 1e-6)
    assert live["total_kcal"] == pytest.approx(uploaded["total_kcal"], rel=0.02)
    assert live["body_metrics"] == uploaded["body_metrics"]
    assert live["has_video"]  # the streamed frames, as a WebM file
    # And they describe the clip; by the end of the stream the live counter names the squats
    # and has counted every one of them that the saved result counts.
    assert abs(live["reps_by_exercise"].get("squat", 0) - clip["reps"]) <= 1
    assert (last["exercise"], last["reps"]) == ("squat", live["reps_by_exercise"]["squat"]), last
