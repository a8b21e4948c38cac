"""The live WebSocket endpoint (docs/live-protocol.md) through Channels' test client.

Celery runs the chunk and analysis tasks eagerly, in the test process; the real worker
path is in test_integration.py. Device-computed landmarks stand in for camera frames
where the pose backbone is not the point.
"""

import asyncio
import json

import numpy as np
import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from coach import sockets
from inference import analyze_sequence
from inference.landmarks import LandmarkSequence
from tests.factories import UserFactory
from tests.workouts.factories import WorkoutSessionFactory
from tests.workouts.live.client import (
    access_token,
    closed_with,
    communicator,
    frame_message,
    jpeg_of,
    receive,
    receive_until,
    session_cookie,
    standing_pose,
)
from workouts.live import consumer as live_consumer
from workouts.live.protocol import pose_frame
from workouts.models import LiveChunk, SessionSource, SessionStatus, WorkoutSession

# Consumers reach the database from other threads: the test's rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def eager_celery():
    from coach.celery import app

    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    app.conf.update(task_always_eager=False, task_eager_propagates=False)


def run(scenario):
    return async_to_sync(scenario)()


async def connected(user=None, **kwargs):
    cookie = await database_sync_to_async(session_cookie)(user) if user else None
    comm = communicator(cookie=cookie, **kwargs)
    connected, _ = await comm.connect(timeout=30)
    assert connected
    if user is not None:
        assert await receive(comm) == {"type": "ready", "user": user.pk}
    return comm


async def started(comm, **fields) -> dict:
    await comm.send_json_to({"type": "start", **fields})
    message = await receive(comm)
    assert message["type"] == "started", message
    return message


async def send_poses(comm, times, *, missing=()):
    for i, t in enumerate(times):
        pose = None if i in missing else standing_pose(phase=t)
        await comm.send_json_to({"type": "landmarks", "t": t, "pose": pose})


# --- authentication --------------------------------------------------------------------


def test_session_cookie_authenticates(user):
    async def scenario():
        comm = await connected(user)
        await comm.disconnect(timeout=30)

    run(scenario)


def test_cookie_from_another_site_is_not_trusted(user):
    async def scenario():
        cookie = await database_sync_to_async(session_cookie)(user)
        comm = communicator(cookie=cookie, origin="https://evil.example")
        await comm.connect(timeout=30)
        await comm.send_json_to({"type": "start"})
        assert (await receive(comm))["code"] == "not_authenticated"
        assert await closed_with(comm) == 4401

    run(scenario)
    assert not WorkoutSession.objects.exists()


def test_cookie_from_an_allowed_host_is_trusted(user):
    async def scenario():
        cookie = await database_sync_to_async(session_cookie)(user)
        comm = communicator(cookie=cookie, origin="http://localhost:5173")
        await comm.connect(timeout=30)
        assert (await receive(comm))["type"] == "ready"
        await comm.disconnect(timeout=30)

    run(scenario)


def test_auth_message_with_a_jwt(user):
    token = access_token(user)

    async def scenario():
        comm = await connected()
        await comm.send_json_to({"type": "auth", "token": token})
        assert await receive(comm) == {"type": "ready", "user": user.pk}
        await started(comm)
        await comm.disconnect(timeout=30)

    run(scenario)
    assert WorkoutSession.objects.get().user == user


@pytest.mark.parametrize("token", ["not-a-jwt", "", None, 42])
def test_bad_token_closes_with_4401(token):
    async def scenario():
        comm = await connected()
        await comm.send_json_to({"type": "auth", "token": token})
        assert (await receive(comm))["code"] == "not_authenticated"
        assert await closed_with(comm) == 4401

    run(scenario)


def test_refresh_token_is_not_an_access_token(user):
    from rest_framework_simplejwt.tokens import RefreshToken

    token = str(RefreshToken.for_user(user))

    async def scenario():
        comm = await connected()
        await comm.send_json_to({"type": "auth", "token": token})
        assert (await receive(comm))["code"] == "not_authenticated"
        assert await closed_with(comm) == 4401

    run(scenario)


@pytest.mark.parametrize(
    "message", [{"type": "start"}, {"type": "resume", "session": 1}, {"type": "stop"}]
)
def test_anything_before_auth_closes_with_4401(message):
    async def scenario():
        comm = await connected()
        await comm.send_json_to(message)
        assert (await receive(comm))["code"] == "not_authenticated"
        assert await closed_with(comm) == 4401

    run(scenario)
    assert not WorkoutSession.objects.exists()


def test_binary_frame_before_auth_closes_with_4401():
    async def scenario():
        comm = await connected()
        await comm.send_to(bytes_data=frame_message(0.0, b"\xff\xd8\xff\xe0rest"))
        assert (await receive(comm))["code"] == "not_authenticated"
        assert await closed_with(comm) == 4401

    run(scenario)


def test_unauthenticated_socket_is_closed_after_the_timeout(monkeypatch):
    monkeypatch.setattr(sockets, "AUTH_TIMEOUT_S", 0.2)

    async def scenario():
        comm = await connected()
        assert (await receive(comm))["code"] == "not_authenticated"
        assert await closed_with(comm) == 4401

    run(scenario)


# --- bad messages ------------------------------------------------------------------------


def test_bad_messages_answer_errors_and_keep_the_socket_and_data(user):
    async def scenario():
        comm = await connected(user)
        await comm.send_to(text_data="{not json")
        assert (await receive(comm))["code"] == "bad_message"
        await comm.send_json_to({"no": "type"})
        assert (await receive(comm))["code"] == "bad_message"
        await comm.send_json_to({"type": "dance"})
        assert (await receive(comm))["code"] == "bad_message"
        await comm.send_json_to({"type": "landmarks", "t": 0.0, "pose": None})
        assert (await receive(comm))["code"] == "no_session"
        await comm.send_json_to({"type": "stop"})
        assert (await receive(comm))["code"] == "no_session"
        await comm.send_json_to({"type": "start", "started_at": "yesterday"})
        assert (await receive(comm))["code"] == "invalid"
        await comm.send_json_to({"type": "start", "title": "x" * 201})
        error = await receive(comm)
        assert error["code"] == "invalid" and "title" in error["detail"]
        await comm.send_json_to({"type": "start", "started_at": "2999-01-01T00:00:00Z"})
        assert (await receive(comm))["code"] == "invalid"

        message = await started(comm, title="Legs")
        session_id = message["session"]["id"]
        await send_poses(comm, [0.0, 0.1, 0.2])
        bad = [
            ({"type": "landmarks", "t": 0.1, "pose": None}, "bad_time"),  # not increasing
            ({"type": "landmarks", "t": "soon", "pose": None}, "bad_time"),
            ({"type": "landmarks", "t": 1e9, "pose": None}, "bad_time"),
            ({"type": "landmarks", "t": 0.3, "pose": {"image": [[0, 0, 0]]}}, "bad_landmarks"),
            ({"type": "landmarks", "t": 0.3, "pose": [1, 2]}, "bad_landmarks"),
            ({"type": "landmarks", "t": 0.3, "pose": None, "size": [0, 5]}, "bad_landmarks"),
            ({"type": "start"}, "already_started"),
        ]
        for message, code in bad:
            await comm.send_json_to(message)
            assert (await receive_until(comm, "error"))["code"] == code, message
        for frame, code in [
            (b"\x00" * 4, "bad_frame"),
            (frame_message(0.5, b"GIF89a..."), "bad_frame"),
            (frame_message(float("nan"), b"\xff\xd8\xff\xe0"), "bad_time"),
            (frame_message(0.05, b"\xff\xd8\xff\xe0"), "bad_time"),
        ]:
            await comm.send_to(bytes_data=frame)
            assert (await receive_until(comm, "error"))["code"] == code
        # A JPEG header on bytes that do not decode: dropped by the worker, reported.
        await comm.send_to(bytes_data=frame_message(0.6, b"\xff\xd8\xff\xe0garbage"))
        assert (await receive_until(comm, "error"))["code"] == "bad_frame"
        # The socket still works and nothing received was lost.
        await send_poses(comm, [0.7])
        update = await receive_until(comm, "update")
        while update["t"] < 0.7:
            update = await receive_until(comm, "update")
        await comm.disconnect(timeout=30)
        return session_id

    session_id = run(scenario)
    session = WorkoutSession.objects.get(pk=session_id)
    assert session.status == SessionStatus.LIVE and session.title == "Legs"
    # Grid frames 0..7: three poses, the undecodable frame left out, 0.7 fills 3..7.
    assert session.live_stream.frames == 8


# --- ownership and state ------------------------------------------------------------------


def test_resume_of_another_users_session_is_4404(user, other_user):
    theirs = WorkoutSessionFactory(
        user=other_user, source=SessionSource.LIVE, status=SessionStatus.LIVE, video=""
    )

    async def scenario(session_id):
        comm = await connected(user)
        await comm.send_json_to({"type": "resume", "session": session_id})
        assert (await receive(comm))["code"] == "not_found"
        assert await closed_with(comm) == 4404

    for session_id in (theirs.pk, 999999, "abc", None):
        async_to_sync(scenario)(session_id)
    theirs.refresh_from_db()
    assert theirs.status == SessionStatus.LIVE


def test_resume_of_a_finished_or_uploaded_session_is_4409(user):
    uploaded = WorkoutSessionFactory(user=user)

    async def scenario():
        comm = await connected(user)
        await comm.send_json_to({"type": "resume", "session": uploaded.pk})
        assert (await receive(comm))["code"] == "not_live"
        assert await closed_with(comm) == 4409

    run(scenario)


def test_another_users_live_session_is_404_over_rest(user, other_user, client_for):
    async def scenario():
        comm = await connected(other_user)
        message = await started(comm)
        await comm.disconnect(timeout=30)
        return message["session"]["id"]

    session_id = run(scenario)
    api = client_for(user)
    assert api.get(f"/api/v1/sessions/{session_id}/").status_code == 404
    assert api.delete(f"/api/v1/sessions/{session_id}/").status_code == 404
    assert session_id not in [s["id"] for s in api.get("/api/v1/sessions/").json()["results"]]
    own = client_for(other_user).get(f"/api/v1/sessions/{session_id}/").json()
    assert (own["status"], own["source"]) == ("live", "live")


def test_too_many_sessions_in_flight_closes_with_4429(user, settings):
    settings.WORKOUTS_MAX_IN_FLIGHT = 1
    WorkoutSessionFactory(user=user, status=SessionStatus.PENDING)

    async def scenario():
        comm = await connected(user)
        await comm.send_json_to({"type": "start"})
        assert (await receive(comm))["code"] == "too_many_in_flight"
        assert await closed_with(comm) == 4429

    run(scenario)
    assert WorkoutSession.objects.filter(user=user).count() == 1


def test_a_live_session_counts_against_the_upload_limit(user, settings, client_for):
    settings.WORKOUTS_MAX_IN_FLIGHT = 1

    async def scenario():
        comm = await connected(user)
        await started(comm)
        await comm.disconnect(timeout=30)

    run(scenario)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(user).post(
        "/api/v1/sessions/",
        {"video": SimpleUploadedFile("a.mp4", b"x" * 100)},
        format="multipart",
    )
    assert response.status_code == 429


# --- streaming, stop, resume ---------------------------------------------------------------


def grid_sequence(times, missing=()) -> LandmarkSequence:
    """What the analysis must see for poses sent at `times`: the file decoder's grid rule."""
    rows, next_slot = [], 0
    for i, t in enumerate(times):
        last = int(np.floor((t + 1e-6) * 10))
        pose = pose_frame(None if i in missing else standing_pose(phase=t))
        while next_slot <= last:
            rows.append(pose)
            next_slot += 1
    return LandmarkSequence.from_frames(rows, 10.0, (0, 0), len(rows) / 10)


def test_stream_stop_and_the_result_is_the_engines_on_the_same_frames(user):
    times = [i / 15 for i in range(15 * 8)]  # 8 s at 15 frames/s
    missing = set(range(40, 55))  # a second without a person

    async def scenario():
        comm = await connected(user)
        session_id = (await started(comm, title="Live"))["session"]["id"]
        await send_poses(comm, times, missing=missing)
        updates = []
        while not updates or updates[-1]["t"] < times[-1]:
            updates.append(await receive_until(comm, "update"))
        await comm.send_json_to({"type": "stop"})
        stopped = await receive_until(comm, "stopped")
        await comm.disconnect(timeout=30)
        return session_id, updates, stopped

    session_id, updates, stopped = run(scenario)
    assert stopped["session"]["id"] == session_id
    for update in updates:
        assert update["session"] == session_id
        assert set(update) >= {"elapsed_s", "exercise", "reps", "kcal", "person_visible", "t"}
    assert updates[-1]["elapsed_s"] == pytest.approx(len(grid_sequence(times)) / 10)
    assert [u["t"] for u in updates] == sorted(u["t"] for u in updates)

    session = WorkoutSession.objects.get(pk=session_id)
    # Eager Celery: the analysis ran as the session was stopped.
    assert session.status == SessionStatus.DONE, (session.error_code, session.error_message)
    expected = analyze_sequence(grid_sequence(times, missing), session.body_metrics)
    assert session.result["frames_analysed"] == len(grid_sequence(times)) == 80
    assert session.result["bouts"] == expected.to_dict()["bouts"]
    assert session.result["person_visible_fraction"] == expected.person_visible_fraction


def test_dropped_connection_keeps_frames_and_resume_continues(user):
    async def scenario():
        comm = await connected(user)
        session_id = (await started(comm))["session"]["id"]
        await send_poses(comm, [i / 10 for i in range(20)])
        await comm.disconnect(timeout=30)  # dropped: no stop

        comm = await connected(user)
        await comm.send_json_to({"type": "resume", "session": session_id})
        resumed = await receive(comm)
        await send_poses(comm, [1.9])  # not after received_s: refused
        refused = await receive_until(comm, "error")
        await send_poses(comm, [2.0 + i / 10 for i in range(10)])
        await comm.send_json_to({"type": "stop"})
        await receive_until(comm, "stopped")
        await comm.disconnect(timeout=30)
        return session_id, resumed, refused

    session_id, resumed, refused = run(scenario)
    assert resumed["type"] == "resumed" and resumed["session"]["id"] == session_id
    assert resumed["received_s"] == pytest.approx(1.9)
    assert refused["code"] == "bad_time"
    session = WorkoutSession.objects.get(pk=session_id)
    assert session.result["frames_analysed"] == 30
    assert sum(c.frame_count for c in LiveChunk.objects.filter(stream__session=session)) == 30


def test_resume_on_a_new_connection_supersedes_the_old_one(user):
    """A phone that changed networks: the old socket is still open when the new one
    resumes. From then on the old one's frames and stop are refused and it is closed."""

    async def scenario():
        old = await connected(user)
        session_id = (await started(old))["session"]["id"]
        await send_poses(old, [i / 10 for i in range(10)])
        await receive_until(old, "update")

        new = await connected(user)
        await new.send_json_to({"type": "resume", "session": session_id})
        assert (await receive(new))["type"] == "resumed"
        await send_poses(old, [5.0])  # late frame from the old socket
        refused = await receive_until(old, "error")
        old_close = await closed_with(old)

        stopper = await connected(user)  # and an old socket's stop is refused too
        await stopper.send_json_to({"type": "resume", "session": session_id})
        await receive(stopper)
        await new.send_json_to({"type": "stop"})
        stop_refused = await receive_until(new, "error")
        new_close = await closed_with(new)

        await send_poses(stopper, [1.0 + i / 10 for i in range(10)])
        await stopper.send_json_to({"type": "stop"})
        stopped = await receive_until(stopper, "stopped")
        await stopper.disconnect(timeout=30)
        return refused, old_close, stop_refused, new_close, stopped

    refused, old_close, stop_refused, new_close, stopped = run(scenario)
    assert (refused["code"], old_close) == ("superseded", 4409)
    assert (stop_refused["code"], new_close) == ("superseded", 4409)
    session = WorkoutSession.objects.get(pk=stopped["session"]["id"])
    assert session.status == SessionStatus.DONE
    # Frames 0-0.9 s from the first socket, 1.0-1.9 s from the last; none from t=5.
    assert session.result["frames_analysed"] == 20


def test_stop_with_no_frames_fails_with_a_reason(user):
    async def scenario():
        comm = await connected(user)
        session_id = (await started(comm))["session"]["id"]
        await comm.send_json_to({"type": "stop"})
        stopped = await receive(comm)
        await comm.disconnect(timeout=30)
        return session_id, stopped

    session_id, stopped = run(scenario)
    assert stopped["type"] == "stopped"
    session = WorkoutSession.objects.get(pk=session_id)
    assert (session.status, session.error_code) == (SessionStatus.FAILED, "no_frames")


def test_stopped_session_cannot_be_resumed(user):
    async def scenario():
        comm = await connected(user)
        session_id = (await started(comm))["session"]["id"]
        await send_poses(comm, [0.0, 0.1])
        await comm.send_json_to({"type": "stop"})
        await receive_until(comm, "stopped")
        await comm.send_json_to({"type": "resume", "session": session_id})
        assert (await receive(comm))["code"] == "not_live"
        assert await closed_with(comm) == 4409

    run(scenario)


def test_session_deleted_while_streaming_closes_with_4404(user, client_for):
    async def scenario():
        comm = await connected(user)
        session_id = (await started(comm))["session"]["id"]
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: client_for(user).delete(f"/api/v1/sessions/{session_id}/")
        )
        await send_poses(comm, [0.0])
        assert (await receive_until(comm, "error"))["code"] == "not_found"
        assert await closed_with(comm) == 4404

    run(scenario)
    assert not WorkoutSession.objects.exists()


def test_camera_frames_go_through_the_pose_backbone(user):
    """Real JPEG frames, the real backbone (an empty room: no person found)."""
    rgb = np.full((240, 320, 3), 90, np.uint8)
    rgb[100:140, 150:170] = (200, 30, 30)
    jpeg = jpeg_of(rgb)

    async def scenario():
        comm = await connected(user)
        session_id = (await started(comm))["session"]["id"]
        for i in range(6):
            await comm.send_to(bytes_data=frame_message(i / 10, jpeg))
        update = await receive_until(comm, "update", timeout=60)
        while update["t"] < 0.5:
            update = await receive_until(comm, "update", timeout=60)
        await comm.disconnect(timeout=30)
        return session_id, update

    session_id, update = run(scenario)
    assert update["person_visible"] is False and update["elapsed_s"] == pytest.approx(0.6)
    stream = WorkoutSession.objects.get(pk=session_id).live_stream
    assert (stream.frames, stream.frame_width, stream.frame_height) == (6, 320, 240)


def test_messages_are_json_text(user):
    async def scenario():
        comm = await connected(user)
        await comm.send_json_to({"type": "start"})
        raw = await comm.receive_from()
        await comm.disconnect(timeout=30)
        return raw

    assert json.loads(run(scenario))["type"] == "started"


def test_other_users_cannot_see_live_sessions_in_their_stats(user, other_user):
    UserFactory()  # unrelated noise

    async def scenario():
        comm = await connected(other_user)
        await started(comm)
        await comm.disconnect(timeout=30)

    run(scenario)
    assert not WorkoutSession.objects.filter(user=user).exists()


def test_updates_never_claim_frames_still_waiting(monkeypatch):
    """A backlog goes in several chunks; an update must not cover the chunks still to come."""
    monkeypatch.setattr(live_consumer, "MAX_CHUNK_ITEMS", 3)
    consumer = live_consumer.LiveSessionConsumer()
    consumer.closed = False
    consumer._attach(1, frames=0, received_s=None)
    for i in range(8):
        consumer.buffer.append({"t": consumer._accept_time(i / 10)})
    stored = []

    async def run_chunk(session_id, items):
        stored.extend(items)
        frames = len(stored)
        return {"status": "live", "elapsed_s": frames / 10, "exercise": None, "reps": 0,
                "kcal": 0.0, "person_visible": True, "frames": frames}  # fmt: skip

    sent = []

    async def send_json(message):
        sent.append(message)

    monkeypatch.setattr(consumer, "_run_chunk", run_chunk)
    monkeypatch.setattr(consumer, "send_json", send_json)
    async_to_sync(consumer._pump)(1)
    assert [(u["t"], u["elapsed_s"]) for u in sent] == [(0.2, 0.3), (0.5, 0.6), (0.7, 0.8)]


def test_the_last_update_before_stopped_has_seen_every_frame(user):
    """Estimates refresh once a second of stream; on stop, the frames since the last refresh
    are analysed too, so the count shown last is the one of the whole stream."""
    from workouts.models import LiveStream

    times = [i / 10 for i in range(15)]  # 1.5 s in two chunks: a refresh at the 10th frame

    async def scenario():
        comm = await connected(user)
        session_id = (await started(comm))["session"]["id"]
        for chunk in (times[:10], times[10:]):
            await send_poses(comm, chunk)
            update = await receive_until(comm, "update")
            while update["t"] < chunk[-1]:
                update = await receive_until(comm, "update")
        state = await database_sync_to_async(
            lambda: LiveStream.objects.get(session_id=session_id).state
        )()
        await comm.send_json_to({"type": "stop"})
        await receive_until(comm, "stopped")
        await comm.disconnect(timeout=30)
        return session_id, state

    session_id, before_stop = run(scenario)
    assert before_stop["refreshed_at_frame"] == 10
    stream = LiveStream.objects.get(session_id=session_id)
    assert stream.frames == 15 and stream.state["refreshed_at_frame"] == 15
