"""Live batches on a worker (workouts/live/ingest.py) and the live services and tasks, with a
stand-in pose backbone; the real one runs in test_consumer.py and the integration test."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from inference import analyze_sequence
from inference.pose import PoseFrame, default_backbone
from tests.workouts.live.client import jpeg_of, standing_pose
from workouts import tasks
from workouts.live import ingest as live_ingest
from workouts.live import services as live_services
from workouts.live.protocol import frame_item, landmarks_item, pose_frame
from workouts.models import LiveBatch, LiveChunk, LiveStream, SessionStatus, WorkoutSession

pytestmark = pytest.mark.django_db


class BrightnessBackbone:
    """Finds a 'person' whose landmarks encode the frame's brightness, so tests can tell
    which frame a stored row came from."""

    name, version = "fake", "1"

    def __init__(self):
        self.calls = 0

    def process(self, rgb):
        self.calls += 1
        level = float(rgb.mean()) / 255
        return PoseFrame(
            np.full((33, 3), level, np.float32),
            np.ones(33, np.float32),
            np.full((33, 3), level, np.float32),
        )

    def reset(self): ...

    def close(self): ...


@pytest.fixture
def backbone(monkeypatch):
    fake = BrightnessBackbone()
    monkeypatch.setattr(live_ingest, "default_backbone", lambda: fake)
    yield fake
    for session_id in list(live_ingest._cache):
        live_ingest.forget_session(session_id)


@pytest.fixture
def live_session(user):
    return live_services.live_session_start(user=user, title="live")


def grey_jpeg(level: int) -> bytes:
    return jpeg_of(np.full((48, 64, 3), level, np.uint8))


def ingest(session, items) -> dict:
    batch_id = live_services.live_stage_batch(session_id=session.pk, items=items)
    return live_ingest.ingest_batch(session_id=session.pk, batch_id=batch_id)


def stored_levels(session) -> list[float]:
    seq = live_services.live_sequence(stream=LiveStream.objects.get(session=session))
    levels = zip(seq.world[:, 0, 0], seq.present, strict=True)
    return [round(float(v), 1) if present else None for v, present in levels]


def test_frames_land_on_the_grid_in_order(backbone, live_session):
    # 15 fps: grid time k/10 takes the first frame at or after it (frames 0, 2, 3, 5); the
    # others fill no new grid frame and are never decoded.
    items = [frame_item(i / 15, grey_jpeg(20 * i)) for i in range(6)]
    update = ingest(live_session, items)
    assert update["status"] == "live" and update["frames"] == 4
    assert update["elapsed_s"] == 0.4 and update["person_visible"] is True
    assert backbone.calls == 4
    assert stored_levels(live_session) == [0.0, 0.2, 0.2, 0.4]  # 0, 40, 60, 100 / 255
    stream = LiveStream.objects.get(session=live_session)
    assert (stream.frame_width, stream.frame_height) == (64, 48)
    assert stream.received_s == pytest.approx(5 / 15)
    assert not LiveBatch.objects.exists()  # analysed batches are removed with their rows


def test_a_redelivered_batch_is_stored_once(backbone, live_session):
    items = [landmarks_item(i / 10, standing_pose(i), None) for i in range(5)]
    batch_id = live_services.live_stage_batch(session_id=live_session.pk, items=items)
    first = live_ingest.ingest_batch(session_id=live_session.pk, batch_id=batch_id)
    again = live_ingest.ingest_batch(session_id=live_session.pk, batch_id=batch_id)
    assert first["frames"] == again["frames"] == 5
    assert LiveChunk.objects.filter(stream__session=live_session).count() == 1


def test_frames_behind_the_store_are_dropped(backbone, live_session):
    """An old connection's last batch landing after a resumed one: nothing twice."""
    ingest(live_session, [landmarks_item(i / 10, None, None) for i in range(10)])
    late = [landmarks_item(i / 10, standing_pose(i), None) for i in range(5, 15)]
    update = ingest(live_session, late)
    assert update["frames"] == 15
    assert stored_levels(live_session)[:10] == [None] * 10


def test_a_slow_source_repeats_frames_as_the_file_decoder_does(backbone, live_session):
    ingest(live_session, [frame_item(0.0, grey_jpeg(0)), frame_item(0.35, grey_jpeg(128))])
    assert stored_levels(live_session) == [0.0, 0.5, 0.5, 0.5]
    assert backbone.calls == 2


def test_a_gap_in_the_stream_is_stored_as_nobody_seen(backbone, live_session):
    # A dropped connection: nothing for 2 s, then frames again (across two batches).
    ingest(live_session, [frame_item(i / 10, grey_jpeg(0)) for i in range(5)])
    ingest(live_session, [frame_item(2.5, grey_jpeg(128)), frame_item(2.6, grey_jpeg(255))])
    levels = stored_levels(live_session)
    assert levels[:5] == [0.0] * 5
    assert levels[5:25] == [None] * 20  # 0.5 s to 2.4 s: no picture, no person
    assert levels[25:] == [0.5, 1.0]


def test_an_undecodable_jpeg_is_reported_and_not_stored(backbone, live_session):
    update = ingest(
        live_session,
        [frame_item(0.0, b"\xff\xd8\xff\xe0junk"), frame_item(0.1, grey_jpeg(0))],
    )
    assert update["bad_frames"] == 1 and update["frames"] == 2  # grid frames 0 and 1
    assert stored_levels(live_session) == [0.0, 0.0]


def test_another_worker_carries_on_from_the_database(backbone, live_session):
    times = [i / 10 for i in range(25)]
    ingest(live_session, [landmarks_item(t, standing_pose(t), None) for t in times[:12]])
    live_ingest.forget_session(live_session.pk)  # the next batch goes to a fresh worker
    update = ingest(live_session, [landmarks_item(t, standing_pose(t), None) for t in times[12:]])
    assert update["frames"] == 25
    stream = LiveStream.objects.get(session=live_session)
    # The estimate is refreshed by a batch that brings a second or more of stream since the
    # last refresh (frame 12, by the first worker), from the stored frames on a new worker.
    assert stream.state["refreshed_at_frame"] == 25
    seq = live_services.live_sequence(stream=stream, from_frame=7)
    assert len(seq) == 18
    np.testing.assert_allclose(seq.world[0], pose_frame(standing_pose(0.7)).world)


def test_a_stopped_session_takes_no_more_frames(backbone, live_session):
    batch_id = live_services.live_stage_batch(
        session_id=live_session.pk, items=[landmarks_item(0.0, None, None)]
    )
    live_services.live_session_stop(session_id=live_session.pk)
    assert live_ingest.ingest_batch(session_id=live_session.pk, batch_id=batch_id) == {
        "status": "not_live"
    }
    assert live_services.live_stage_batch(session_id=live_session.pk, items=[]) is None


def test_stop_queues_the_analysis_of_the_stored_frames(
    backbone, live_session, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.analyze_session, "delay", queued.append)
    times = [i / 10 for i in range(40)]
    ingest(live_session, [landmarks_item(t, standing_pose(t), [640, 480]) for t in times])
    with django_capture_on_commit_callbacks(execute=True):
        session = live_services.live_session_stop(session_id=live_session.pk)
        live_services.live_session_stop(session_id=live_session.pk)  # twice: one analysis
    assert queued == [live_session.pk]
    assert (session.status, session.duration_s) == (SessionStatus.PENDING, 4.0)

    assert tasks.analyze_session(live_session.pk) == "done"
    session.refresh_from_db()
    stream = LiveStream.objects.get(session=session)
    expected = analyze_sequence(live_services.live_sequence(stream=stream), session.body_metrics)
    assert session.status == SessionStatus.DONE
    assert session.result["bouts"] == expected.to_dict()["bouts"]
    assert session.result["frames_analysed"] == 40
    # Named after the backbone the live workers run.
    assert session.model_version.startswith(f"coach-skeleton-tcn+{default_backbone().name}@")
    # Running it again (a duplicate delivery) changes nothing.
    assert tasks.analyze_session(live_session.pk) == "skipped"


def test_idle_live_sessions_are_stopped(
    backbone, user, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.analyze_session, "delay", queued.append)
    idle = live_services.live_session_start(user=user)
    active = live_services.live_session_start(user=user)
    # Staged by a web process that went away before a worker took the batch: kept.
    live_services.live_stage_batch(
        session_id=idle.pk, items=[landmarks_item(i / 10, None, None) for i in range(5)]
    )
    LiveStream.objects.filter(session=idle).update(
        last_activity_at=timezone.now() - timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.stop_idle_live_sessions() == 1
    assert WorkoutSession.objects.get(pk=idle.pk).status == SessionStatus.PENDING
    assert WorkoutSession.objects.get(pk=active.pk).status == SessionStatus.LIVE
    assert queued == [idle.pk]
    assert LiveStream.objects.get(session=idle).frames == 5
    assert not LiveBatch.objects.exists()


def test_start_stores_the_body_metrics_in_effect(user):
    from tests.factories import WeightEntryFactory

    WeightEntryFactory(user=user, weight_kg=91.0)
    session = live_services.live_session_start(user=user)
    assert LiveStream.objects.get(session=session).body_metrics["weight_kg"] == 91.0
    assert (session.source, session.status, session.has_video) == ("live", "live", False)


def test_a_live_session_is_reanalysed_from_its_landmarks(
    backbone, live_session, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.analyze_session, "delay", queued.append)
    api = client_for(live_session.user)
    # Still live: nothing to re-analyse yet.
    assert api.post(f"/api/v1/sessions/{live_session.pk}/reanalyse/").status_code == 409
    ingest(live_session, [landmarks_item(i / 10, standing_pose(i), None) for i in range(30)])
    with django_capture_on_commit_callbacks(execute=True):
        live_services.live_session_stop(session_id=live_session.pk)
    assert tasks.analyze_session(live_session.pk) == "done"
    first = WorkoutSession.objects.get(pk=live_session.pk).result

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/sessions/{live_session.pk}/reanalyse/")
    assert response.status_code == 202, response.json()
    assert queued == [live_session.pk, live_session.pk]
    assert tasks.analyze_session(live_session.pk) == "done"
    assert WorkoutSession.objects.get(pk=live_session.pk).result == first


def test_another_worker_goes_on_tracking_exactly(user, short_squat_clip):
    """The real backbone: chunks that move between worker processes give the landmarks one
    worker gives, because the tracking state travels with the stored rows."""
    from inference.decode import FrameStream

    _, path = short_squat_clip
    jpegs = [jpeg_of(f.rgb) for f in FrameStream(str(path))][:30]
    batches = [
        [frame_item(i / 10, jpeg) for i, jpeg in enumerate(jpegs) if lo <= i < hi]
        for lo, hi in ((0, 10), (10, 20), (20, 30))
    ]
    one_worker = live_services.live_session_start(user=user)
    moving = live_services.live_session_start(user=user)
    try:
        for batch in batches:
            ingest(one_worker, batch)
            live_ingest.forget_session(moving.pk)  # each chunk on a worker new to it
            ingest(moving, batch)
    finally:
        live_ingest.forget_session(one_worker.pk)
        live_ingest.forget_session(moving.pk)
    same = live_services.live_sequence(stream=LiveStream.objects.get(session=one_worker))
    moved = live_services.live_sequence(stream=LiveStream.objects.get(session=moving))
    assert len(same) == len(moved) == 30 and same.present.all()
    np.testing.assert_array_equal(moved.image, same.image)
    np.testing.assert_array_equal(moved.world, same.world)


@pytest.mark.django_db(transaction=True)
def test_a_batch_beats_while_a_worker_works_on_it(live_session):
    import time

    batch_id = live_services.live_stage_batch(
        session_id=live_session.pk, items=[landmarks_item(0.0, None, None)]
    )
    assert live_services.live_batch_beats(batch_id=batch_id) == 0  # nobody took it yet
    with live_services.live_batch_heartbeat(batch_id=batch_id, every_s=0.05):
        assert live_services.live_batch_beats(batch_id=batch_id) == 1  # taken
        deadline = time.monotonic() + 30
        while live_services.live_batch_beats(batch_id=batch_id) < 3:
            assert time.monotonic() < deadline, "the batch does not beat"
            time.sleep(0.05)
    time.sleep(0.3)  # a beat under way may still land
    stopped = live_services.live_batch_beats(batch_id=batch_id)
    time.sleep(0.3)
    assert live_services.live_batch_beats(batch_id=batch_id) == stopped
    LiveBatch.objects.filter(pk=batch_id).delete()  # analysed
    assert live_services.live_batch_beats(batch_id=batch_id) is None


LOADED_FOR = []


def a_users_model(*, user):
    """Stands in for exercises.selectors.custom_model_for_analysis (settings)."""
    LOADED_FOR.append(user.pk)
    return f"model of {user.pk}"


def test_the_live_view_uses_the_users_own_exercises(backbone, live_session, monkeypatch, settings):
    """As the saved analysis does; read once per stream on a worker."""
    from inference import live_state

    settings.WORKOUTS_CUSTOM_MODEL = "tests.workouts.live.test_ingest.a_users_model"
    LOADED_FOR.clear()
    given, refreshed = [], live_state.refreshed

    def recording(*args, **kwargs):
        given.append(args[5] if len(args) > 5 else kwargs.get("custom"))
        return refreshed(*args[:5])

    monkeypatch.setattr(live_state, "refreshed", recording)
    for first in (0, 12):
        ingest(live_session, [frame_item(i / 10, grey_jpeg(100)) for i in range(first, first + 12)])
    assert given == [f"model of {live_session.user_id}"] * 2
    assert LOADED_FOR == [live_session.user_id]
