"""Another user's exercise, example or bout is 404 through every endpoint, and nothing of
it changes; what a user creates is theirs whatever the payload says."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exercises.models import CustomExercise, ExerciseExample
from tests.exercises.conftest import analysed_session
from tests.videos import write_synthetic_video
from workouts.models import Bout

pytestmark = pytest.mark.django_db


@pytest.fixture
def owners(api, user, engine, tmp_path):
    """The owner's exercise with an example from a video, and an analysed session."""
    api.post("/api/v1/exercises/", {"name": "Lift", "measure": "reps"})
    video = write_synthetic_video(tmp_path / "lift.mp4", seconds=2)
    upload = SimpleUploadedFile("lift.mp4", video.read_bytes(), content_type="video/mp4")
    example = api.post("/api/v1/exercises/lift/examples/", {"video": upload}, format="multipart")
    session = analysed_session(user)
    return example.json()["id"], session


@pytest.fixture
def intruder(client_for, other_user):
    return client_for(other_user)


@pytest.mark.parametrize(
    "method, path, payload",
    [
        ("get", "/api/v1/exercises/lift/", None),
        ("patch", "/api/v1/exercises/lift/", {"name": "Hacked"}),
        ("delete", "/api/v1/exercises/lift/", None),
        ("get", "/api/v1/exercises/lift/examples/", None),
        ("post", "/api/v1/exercises/lift/examples/", {"bout": 1}),
        ("get", "/api/v1/exercises/lift/examples/{example}/", None),
        ("delete", "/api/v1/exercises/lift/examples/{example}/", None),
        ("get", "/api/v1/exercises/lift/examples/{example}/video/", None),
        ("get", "/api/v1/sessions/{session}/bouts/{bout}/", None),
        ("patch", "/api/v1/sessions/{session}/bouts/{bout}/", {"exercise": "lunge"}),
    ],
)
def test_other_users_exercises_examples_and_bouts_are_404(intruder, owners, method, path, payload):
    example_id, session = owners
    bout = session.bouts.get(position=0)
    url = path.format(example=example_id, session=session.pk, bout=bout.pk)
    response = getattr(intruder, method)(url, payload, format="json")
    assert response.status_code == 404, response.content
    assert CustomExercise.objects.get().name == "Lift"
    assert ExerciseExample.objects.filter(pk=example_id).exists()
    assert Bout.objects.get(pk=bout.pk).exercise == "squat"


def test_other_users_exercises_are_not_in_their_catalogue(intruder, owners):
    slugs = [row["exercise"] for row in intruder.get("/api/v1/exercises/").json()]
    assert "lift" not in slugs


def test_create_ignores_user_in_payload(intruder, user, other_user, owners):
    response = intruder.post(
        "/api/v1/exercises/", {"name": "Lift", "measure": "reps", "user": user.pk}, format="json"
    )
    assert response.status_code == 201  # the same name is free for another user
    assert CustomExercise.objects.filter(user=other_user, slug="lift").exists()
    assert CustomExercise.objects.filter(user=user).count() == 1
