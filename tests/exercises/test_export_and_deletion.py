"""The data export holds the user's exercises, examples and model state; deleting the
account removes all of it, files included. The analysis uses the user's model."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exercises.models import CustomExercise, ExerciseExample, ExerciseModel
from exercises.training import run_training
from tests.exercises.conftest import analysed_session
from tests.videos import write_synthetic_video
from tests.workouts.factories import WorkoutSessionFactory
from workouts.analysis import run_session_analysis
from workouts.models import SessionStatus

pytestmark = pytest.mark.django_db

EXAMPLES = "/api/v1/exercises/lift/examples/"


@pytest.fixture
def taught(api, user, engine, tmp_path):
    """A user with an exercise, an example from a session and one from a video, trained."""
    api.post("/api/v1/exercises/", {"name": "Lift", "measure": "reps"})
    session = analysed_session(user)
    api.post(EXAMPLES, {"session": session.pk, "start_s": 2, "end_s": 8}, format="json")
    video = write_synthetic_video(tmp_path / "lift.mp4", seconds=2)
    upload = SimpleUploadedFile("lift.mp4", video.read_bytes(), content_type="video/mp4")
    api.post(EXAMPLES, {"video": upload}, format="multipart")
    ExerciseExample.objects.filter(source="video").update(status="failed")  # no pose run here
    run_training(user_id=user.pk, version=ExerciseModel.objects.get(user=user).requested_version)
    return session


def test_the_export_holds_exercises_examples_and_the_model(api, taught):
    exported = api.get("/api/v1/me/export/").json()["exercises"]
    (lift,) = exported["custom_exercises"]
    assert lift["exercise"] == "lift" and lift["examples_count"] == 2
    assert [e["source"] for e in lift["examples"]] == ["session", "video"]
    assert exported["model"]["status"] == "ready" and exported["model"]["exercises"] == ["lift"]
    # Every session keeps the landmarks it was analysed on; the export names none of the files.
    assert "landmarks" not in api.get("/api/v1/me/export/").json()["sessions"][0]


def test_deleting_the_account_removes_exercises_examples_model_and_files(
    api, user, taught, django_capture_on_commit_callbacks
):
    files = [
        (f.storage, f.name)
        for example in ExerciseExample.objects.all()
        for f in (example.video, example.landmarks)
        if f
    ] + [(taught.landmarks.storage, taught.landmarks.name)]
    assert len(files) == 3 and all(storage.exists(name) for storage, name in files)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete("/api/v1/me/").status_code == 204
    assert not CustomExercise.objects.exists() and not ExerciseExample.objects.exists()
    assert not ExerciseModel.objects.exists()
    assert not any(storage.exists(name) for storage, name in files)


def test_the_analysis_passes_the_users_model_to_the_engine(user, taught, fake_engine):
    pending = WorkoutSessionFactory(user=user, status=SessionStatus.PENDING)
    assert run_session_analysis(session_id=pending.pk) == "done"
    assert fake_engine[-1]["custom"].slugs == ["lift"]
    pending.refresh_from_db()
    assert pending.landmarks  # kept for corrections and examples


def test_without_exercises_the_analysis_passes_none(user, fake_engine):
    pending = WorkoutSessionFactory(user=user, status=SessionStatus.PENDING)
    run_session_analysis(session_id=pending.pk)
    assert fake_engine[-1]["custom"] is None
