"""The video of a live session (workouts/live/video.py): frames kept by the workers become a
WebM file on stop, served like an upload's video."""

import cv2
import numpy as np
import pytest

from tests.workouts.live.client import jpeg_of, standing_pose
from tests.workouts.live.test_ingest import backbone, grey_jpeg, ingest  # noqa: F401
from workouts import tasks
from workouts.live import services as live_services
from workouts.live import video as live_video
from workouts.live.protocol import frame_item, landmarks_item
from workouts.models import WorkoutSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_session(user):
    return live_services.live_session_start(user=user, title="live")


def read_frames(path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


def test_jpegs_pack_and_unpack_with_gaps():
    jpegs = [b"\xff\xd8one", None, b"\xff\xd8three"]
    assert live_video.unpack_jpegs(live_video.pack_jpegs(jpegs)) == jpegs


def test_the_video_has_one_frame_per_grid_frame_and_gaps_repeat_the_last_picture(tmp_path):
    pictures = [None, grey_jpeg(40), None, grey_jpeg(200), grey_jpeg(120)]
    path = tmp_path / "v.webm"
    assert live_video.encode_video(pictures, path)
    frames = read_frames(path)
    levels = [int(round(f.mean() / 10) * 10) for f in frames]
    # Before the first picture it is shown too; the gap repeats the picture before it.
    assert levels == [40, 40, 40, 200, 120]
    assert frames[0].shape == (48, 64, 3)


def test_no_picture_no_video(tmp_path):
    assert not live_video.encode_video([None, None], tmp_path / "v.webm")


def test_a_stopped_live_session_gets_its_frames_as_a_video(
    backbone,  # noqa: F811
    live_session,
    client_for,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    monkeypatch.setattr(tasks.analyze_session, "delay", lambda session_id: None)
    levels = [10 * (i % 20) for i in range(30)]
    ingest(live_session, [frame_item(i / 10, grey_jpeg(v)) for i, v in enumerate(levels[:12])])
    ingest(live_session, [frame_item(i / 10, grey_jpeg(levels[i])) for i in range(12, 30)])
    assert len(live_video.stored_chunks(live_session.pk)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        live_services.live_session_stop(session_id=live_session.pk)
    assert tasks.analyze_session(live_session.pk) == "done"

    session = WorkoutSession.objects.get(pk=live_session.pk)
    assert session.has_video and session.video.name.endswith(".webm")
    assert session.video_size_bytes == session.video.size > 0
    assert live_video.stored_chunks(live_session.pk) == []  # the kept frames are gone
    frames = read_frames(session.video.path)
    assert len(frames) == 30 == session.result["frames_analysed"]
    assert [round(f.mean() / 10) * 10 for f in frames] == levels

    response = client_for(session.user).get(f"/api/v1/sessions/{session.pk}/video/")
    assert response.status_code == 200
    assert response["Content-Type"] == "video/webm"
    # Analysing again (re-analyse) keeps the one video.
    assert not live_video.attach_video(session=session, frames=30)


def test_a_landmarks_only_session_has_no_video(
    backbone,  # noqa: F811
    live_session,
    client_for,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    monkeypatch.setattr(tasks.analyze_session, "delay", lambda session_id: None)
    ingest(live_session, [landmarks_item(i / 10, standing_pose(i), [64, 48]) for i in range(20)])
    assert live_video.stored_chunks(live_session.pk) == []
    with django_capture_on_commit_callbacks(execute=True):
        live_services.live_session_stop(session_id=live_session.pk)
    assert tasks.analyze_session(live_session.pk) == "done"
    response = client_for(live_session.user).get(f"/api/v1/sessions/{live_session.pk}/video/")
    assert response.status_code == 404
    assert "landmarks" in response.json()["errors"][0]["detail"]


def test_deleting_a_live_session_discards_its_kept_frames(
    backbone,  # noqa: F811
    live_session,
    django_capture_on_commit_callbacks,
):
    ingest(
        live_session,
        [frame_item(i / 10, jpeg_of(np.zeros((48, 64, 3), np.uint8))) for i in range(5)],
    )
    assert live_video.stored_chunks(live_session.pk)
    with django_capture_on_commit_callbacks(execute=True):
        WorkoutSession.objects.filter(pk=live_session.pk).delete()
    assert live_video.stored_chunks(live_session.pk) == []
