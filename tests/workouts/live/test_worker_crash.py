"""A live worker killed mid-batch (SIGKILL to the worker and its pool at once, as when its
machine goes away: the broker gets nothing back) while a camera streams: once a replacement
worker is up, updates resume within seconds, `stop` does not wait on the dead worker, and
every grid frame is stored once. Real worker processes, the real pose backbone, whatever
database and broker the test run uses."""

import asyncio
import contextlib
import time

import numpy as np
import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from tests.workers import kill_worker, running_worker, wait_until_ready
from tests.workouts.live.client import (
    communicator,
    frame_message,
    jpeg_of,
    receive,
    session_cookie,
)
from workouts.live.protocol import grid_slot
from workouts.models import LiveBatch, LiveChunk, LiveStream, WorkoutSession

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FRAME_STEP_S = 0.1
RESUME_WITHIN_S = 5.0  # the bound, from the replacement's readiness


def camera_jpeg() -> bytes:
    rng = np.random.default_rng(3)
    return jpeg_of(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8), 80)


@database_sync_to_async
def batch_in_work(session_id: int) -> bool:
    return LiveBatch.objects.filter(stream__session_id=session_id, beats__gt=0).exists()


async def first(messages, kind: str, after: float, timeout_s: float) -> tuple[float, dict]:
    """The first message of `kind` received after `after` (monotonic)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for at, message in messages:
            if at > after and message["type"] == kind:
                return at, message
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {kind} within {timeout_s} s; got {[m for _, m in messages][-5:]}")


@pytest.mark.parametrize("stop_at_once", [False, True], ids=["streaming-on", "stop-at-once"])
def test_updates_resume_soon_after_a_live_worker_is_killed(user, tmp_path, stop_at_once):
    """streaming-on: the camera goes on, and updates come again. stop-at-once: the person
    stops right after the crash; the stop waits for the batch to be analysed, by the
    replacement, not for the dead worker's message to come back."""
    cookie = session_cookie(user)
    jpeg = camera_jpeg()
    queues = "live,analysis"
    figures = {}

    async def scenario(workers: contextlib.ExitStack):
        comm = communicator(cookie=cookie)
        await comm.connect(timeout=30)
        assert (await receive(comm))["type"] == "ready"
        await comm.send_json_to({"type": "start", "title": "crash"})
        started = await receive(comm)
        assert started["type"] == "started", started
        session_id = started["session"]["id"]
        messages: list[tuple[float, dict]] = []
        sent_t: list[float] = []
        feeding = True

        async def feed():
            while feeding:
                t = len(sent_t) * FRAME_STEP_S
                await comm.send_to(bytes_data=frame_message(t, jpeg))
                sent_t.append(t)
                await asyncio.sleep(FRAME_STEP_S)

        async def listen():
            while True:
                message = await receive(comm, timeout=600)
                messages.append((time.monotonic(), message))
                if message["type"] == "stopped":
                    return

        feeder, listener = asyncio.create_task(feed()), asyncio.create_task(listen())
        await first(messages, "update", 0.0, timeout_s=120)
        # Kill the worker while it works on a batch (it has beaten on it).
        deadline = time.monotonic() + 60
        while not await batch_in_work(session_id):
            assert time.monotonic() < deadline, "no batch was seen in work"
            await asyncio.sleep(0.005)
        killed_at = time.monotonic()
        kill_worker(dead)
        replacement_log = tmp_path / "replacement.log"
        workers.enter_context(running_worker(queues=queues, log_path=replacement_log))
        if stop_at_once:
            feeding = False
            await feeder
            await comm.send_json_to({"type": "stop"})
        await asyncio.get_running_loop().run_in_executor(None, wait_until_ready, replacement_log)
        ready_at = time.monotonic()
        figures["replacement ready after the kill"] = ready_at - killed_at
        if stop_at_once:
            await asyncio.wait_for(listener, 120)
            stopped_at, _ = await first(messages, "stopped", killed_at, timeout_s=1)
            # (An answer before the replacement was up counts as at once.)
            figures["answered after the replacement was ready"] = max(0, stopped_at - ready_at)
            figures["stop answered after the kill"] = stopped_at - killed_at
        else:
            resumed_at, _ = await first(messages, "update", ready_at, timeout_s=120)
            figures["answered after the replacement was ready"] = resumed_at - ready_at
            figures["updates resumed after the kill"] = resumed_at - killed_at
            await asyncio.sleep(2)  # streaming goes on as before
            feeding = False
            await feeder
            stop_at = time.monotonic()
            await comm.send_json_to({"type": "stop"})
            await asyncio.wait_for(listener, 120)
            figures["stop answered after"] = time.monotonic() - stop_at
        await comm.disconnect(timeout=15)
        return session_id, sent_t, messages

    with contextlib.ExitStack() as workers:
        first_log = tmp_path / "first.log"
        dead = workers.enter_context(running_worker(queues=queues, log_path=first_log))
        wait_until_ready(first_log)
        session_id, sent_t, messages = async_to_sync(scenario)(workers)
        session = WorkoutSession.objects.get(pk=session_id)
        deadline = time.monotonic() + 180
        while session.status not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.25)
            session.refresh_from_db()

    for name, seconds in figures.items():
        print(f"{name}: {seconds:.2f} s")
    errors = [message for _, message in messages if message["type"] == "error"]
    assert not errors, errors
    assert figures["answered after the replacement was ready"] < RESUME_WITHIN_S, figures
    # Every frame sent is stored, each grid frame once, in order; nothing is left staged.
    stream = LiveStream.objects.get(session_id=session_id)
    assert stream.frames == grid_slot(sent_t[-1]) + 1
    chunks = list(LiveChunk.objects.filter(stream=stream).order_by("seq"))
    assert [c.first_frame for c in chunks] == [0] + [
        c.first_frame + c.frame_count for c in chunks[:-1]
    ]
    assert sum(c.frame_count for c in chunks) == stream.frames
    assert not LiveBatch.objects.filter(stream=stream).exists()
    last_update = [message for _, message in messages if message["type"] == "update"][-1]
    assert last_update["elapsed_s"] == pytest.approx(stream.frames * FRAME_STEP_S)
    assert session.status in ("done", "failed"), session.status  # analysed after the stop
