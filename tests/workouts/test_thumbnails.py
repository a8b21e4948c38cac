"""Poster frames: made by the analysis from the video, served to the owner like the video,
named in the session's representations, gone with the video, backfilled by a command."""

from io import StringIO
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from tests.factories import UserFactory
from tests.videos import write_synthetic_video
from tests.workouts.conftest import engine_result
from tests.workouts.factories import WorkoutSessionFactory
from workouts import services, thumbnails
from workouts.analysis import poster_of_stored_video, run_session_analysis
from workouts.models import SessionSource, SessionStatus, WorkoutSession

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"


def decoded(jpeg: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


@pytest.fixture
def video_session(user, tmp_path):
    """A pending session whose stored video is a real (synthetic) 640x360, 4 s MP4."""
    path = write_synthetic_video(tmp_path / "clip.mp4", seconds=4, size=(640, 360))
    session = WorkoutSessionFactory(user=user, status=SessionStatus.PENDING, progress=0, video="")
    session.video.save("clip.mp4", open(path, "rb"))
    return session


def test_the_poster_is_the_middle_of_the_first_bout_or_one_second_in():
    result = engine_result({}).to_dict()
    assert thumbnails.poster_time_s(result) == 11.0  # the squat bout runs 1-21 s
    assert thumbnails.poster_time_s({**result, "bouts": []}) == 1.0
    assert thumbnails.poster_time_s({"bouts": [], "duration_s": 1.2}) == 0.6


def test_a_poster_is_a_small_jpeg_of_a_frame(tmp_path):
    path = write_synthetic_video(tmp_path / "clip.mp4", seconds=3, size=(640, 360))
    image = decoded(thumbnails.poster_jpeg(str(path), 1.0))
    assert image.shape == (270, 480, 3)  # long side 480, aspect kept


def test_a_poster_past_the_end_falls_back_to_the_first_frame(tmp_path):
    path = write_synthetic_video(tmp_path / "clip.mp4", seconds=2)
    assert decoded(thumbnails.poster_jpeg(str(path), 60.0)).shape == (64, 96, 3)


def test_no_poster_from_a_file_that_is_no_video(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_bytes(b"not a video")
    assert thumbnails.poster_jpeg(str(path), 1.0) is None


def test_the_analysis_stores_the_poster_and_the_api_serves_it(fake_engine, video_session, api):
    assert run_session_analysis(session_id=video_session.pk) == "done"
    video_session.refresh_from_db()
    assert video_session.thumbnail.name.startswith(f"thumbnails/{video_session.user_id}/")
    stem = Path(video_session.thumbnail.name).stem
    url = f"{SESSIONS}{video_session.pk}/thumbnail/?v={stem[:12]}"
    assert api.get(f"{SESSIONS}{video_session.pk}/").json()["thumbnail_url"] == url
    assert api.get(SESSIONS).json()["results"][0]["thumbnail_url"] == url

    response = api.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["ETag"] == f'"{stem}"'
    assert response["Cache-Control"] == "private, max-age=604800"
    assert decoded(b"".join(response.streaming_content)).shape[1] == 480

    unchanged = api.get(url, HTTP_IF_NONE_MATCH=f'"{stem}"')
    assert unchanged.status_code == 304 and unchanged["ETag"] == f'"{stem}"'
    assert api.get(url, HTTP_IF_NONE_MATCH='"older"').status_code == 200


def test_a_new_analysis_replaces_the_poster_and_removes_the_old_file(
    fake_engine, video_session, django_capture_on_commit_callbacks
):
    run_session_analysis(session_id=video_session.pk)
    video_session.refresh_from_db()
    first = video_session.thumbnail.name
    WorkoutSession.objects.filter(pk=video_session.pk).update(status=SessionStatus.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        run_session_analysis(session_id=video_session.pk)
    video_session.refresh_from_db()
    assert video_session.thumbnail.name != first
    assert default_storage.exists(video_session.thumbnail.name)
    assert not default_storage.exists(first)


def test_no_thumbnail_until_one_is_made(api, user):
    pending = WorkoutSessionFactory(user=user, status=SessionStatus.PENDING)
    assert api.get(f"{SESSIONS}{pending.pk}/").json()["thumbnail_url"] is None
    response = api.get(f"{SESSIONS}{pending.pk}/thumbnail/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == "This session has no poster frame."


def test_a_session_without_a_video_has_no_poster_to_make():
    live = WorkoutSessionFactory(source=SessionSource.LIVE, video="")  # landmarks only
    assert poster_of_stored_video(live, engine_result({}).to_dict()) is None


def test_another_users_thumbnail_answers_404(fake_engine, video_session, client_for):
    run_session_analysis(session_id=video_session.pk)
    intruder = client_for(UserFactory())
    assert intruder.get(f"{SESSIONS}{video_session.pk}/thumbnail/").status_code == 404


@pytest.mark.parametrize(
    "remove",
    [services.session_delete_video, services.session_delete],
    ids=["the-video-deleted", "the-session-deleted"],
)
def test_the_poster_goes_with_the_video(
    fake_engine, video_session, django_capture_on_commit_callbacks, remove
):
    run_session_analysis(session_id=video_session.pk)
    video_session.refresh_from_db()
    name = video_session.thumbnail.name
    with django_capture_on_commit_callbacks(execute=True):
        remove(session=video_session)
    assert not default_storage.exists(name)
    assert not WorkoutSession.objects.filter(pk=video_session.pk).exclude(thumbnail="").exists()


def test_the_backfill_command_makes_missing_posters(video_session):
    WorkoutSession.objects.filter(pk=video_session.pk).update(
        status=SessionStatus.DONE, result=engine_result({}).to_dict()
    )
    unreadable = WorkoutSessionFactory(status=SessionStatus.DONE)  # "not really a video"
    WorkoutSessionFactory(status=SessionStatus.DONE, video="")  # nothing to read
    out, err = StringIO(), StringIO()
    call_command("make_thumbnails", stdout=out, stderr=err)
    assert out.getvalue().strip() == "1 thumbnails made, 1 sessions without one."
    assert f"session {unreadable.pk}:" in err.getvalue()
    video_session.refresh_from_db()
    assert decoded(default_storage.open(video_session.thumbnail.name).read()).shape == (270, 480, 3)
    call_command("make_thumbnails", stdout=(again := StringIO()), stderr=StringIO())
    assert again.getvalue().strip() == "0 thumbnails made, 1 sessions without one."
