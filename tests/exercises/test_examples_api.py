"""Examples over the API: from a stretch of a session, a bout, or a video of their own;
every bad input answers a clear 400 (or 404 for someone else's exercise)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exercises.models import ExampleSource, ExampleStatus, ExerciseExample
from tests.exercises.conftest import analysed_session
from tests.videos import write_synthetic_video
from tests.workouts.factories import WorkoutSessionFactory
from workouts.models import SessionStatus

pytestmark = pytest.mark.django_db

EXAMPLES = "/api/v1/exercises/lift/examples/"


@pytest.fixture
def lift(api, engine):
    assert api.post("/api/v1/exercises/", {"name": "Lift", "measure": "reps"}).status_code == 201


def error_of(response):
    body = response.json()
    return body["errors"][0]["attr"], body["errors"][0]["code"]


def test_a_stretch_of_a_session_becomes_a_pending_example_and_trains(
    api, user, lift, training_runs, django_capture_on_commit_callbacks
):
    session = analysed_session(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            EXAMPLES, {"session": session.pk, "start_s": 5, "end_s": 17.5}, format="json"
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"].endswith(f"{EXAMPLES}{body['id']}/")
    assert body["exercise"] == "lift" and body["source"] == "session"
    assert (body["session"], body["start_s"], body["end_s"]) == (session.pk, 5.0, 17.5)
    assert body["status"] == "pending"
    assert body["video_url"] == f"/api/v1/sessions/{session.pk}/video/#t=5,17.5"
    assert training_runs[-1] == (user.pk, 2)  # the exercise asked for version 1
    listed = api.get(EXAMPLES).json()
    assert [e["id"] for e in listed["results"]] == [body["id"]]
    assert api.get("/api/v1/exercises/lift/").json()["examples_count"] == 1


def test_a_bout_becomes_an_example_of_its_whole_stretch(api, user, lift):
    session = analysed_session(user)
    bout = session.bouts.get(position=0)
    response = api.post(EXAMPLES, {"bout": bout.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["source"], body["start_s"], body["end_s"]) == ("bout", bout.start_s, bout.end_s)


def test_a_video_of_its_own_becomes_an_example(api, user, lift, tmp_path):
    video = write_synthetic_video(tmp_path / "lift.mp4", seconds=3)
    upload = SimpleUploadedFile("lift.mp4", video.read_bytes(), content_type="video/mp4")
    response = api.post(EXAMPLES, {"video": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["source"] == "video" and body["session"] is None
    assert body["start_s"] == 0 and body["end_s"] == pytest.approx(3.0, abs=0.1)
    assert body["video_url"].startswith(f"{EXAMPLES}{body['id']}/video/#t=0,")
    played = api.get(f"{EXAMPLES}{body['id']}/video/")
    assert played.status_code == 200
    assert b"".join(played.streaming_content) == video.read_bytes()


@pytest.mark.parametrize(
    "stretch, code",
    [
        ({"start_s": 10, "end_s": 10}, "empty_stretch"),
        ({"start_s": 12, "end_s": 8}, "empty_stretch"),
        ({"start_s": 12, "end_s": 12.5}, "too_short"),
        ({"start_s": 50, "end_s": 61}, "outside_video"),
    ],
)
def test_a_stretch_must_be_inside_the_video_and_not_empty(api, user, lift, stretch, code):
    session = analysed_session(user, duration_s=60.0)
    response = api.post(EXAMPLES, {"session": session.pk, **stretch}, format="json")
    assert response.status_code == 400
    assert error_of(response) == ("end_s", code)
    assert not ExerciseExample.objects.exists()


def test_a_negative_start_is_refused(api, user, lift):
    session = analysed_session(user)
    response = api.post(EXAMPLES, {"session": session.pk, "start_s": -1, "end_s": 5}, format="json")
    assert response.status_code == 400 and error_of(response) == ("start_s", "min_value")


def test_another_users_session_or_bout_does_not_exist(api, lift, other_user):
    theirs = analysed_session(other_user)
    response = api.post(EXAMPLES, {"session": theirs.pk, "start_s": 0, "end_s": 5}, format="json")
    assert response.status_code == 400 and error_of(response) == ("session", "does_not_exist")
    bout = theirs.bouts.first()
    response = api.post(EXAMPLES, {"bout": bout.pk}, format="json")
    assert response.status_code == 400 and error_of(response) == ("bout", "does_not_exist")
    assert not ExerciseExample.objects.exists()


@pytest.mark.parametrize("status", [SessionStatus.FAILED, SessionStatus.PENDING])
def test_a_session_that_is_not_analysed_is_refused(api, user, lift, status):
    session = WorkoutSessionFactory(user=user, status=status)
    response = api.post(EXAMPLES, {"session": session.pk, "start_s": 0, "end_s": 5}, format="json")
    assert response.status_code == 400
    assert error_of(response) == ("session", "session_not_analysed")


def test_an_old_session_without_landmarks_or_video_is_refused(api, user, lift):
    session = analysed_session(user, landmarks=False)
    session.video = ""
    session.save()
    response = api.post(EXAMPLES, {"session": session.pk, "start_s": 0, "end_s": 5}, format="json")
    assert response.status_code == 400 and error_of(response) == ("session", "no_landmarks")


def test_an_old_session_with_its_video_is_accepted(api, user, lift):
    session = analysed_session(user, landmarks=False)  # the worker runs the pose model
    response = api.post(EXAMPLES, {"session": session.pk, "start_s": 0, "end_s": 5}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"start_s": 0, "end_s": 5},
        {"session": 1, "bout": 1, "start_s": 0, "end_s": 5},
    ],
)
def test_exactly_one_source_is_needed(api, user, lift, body):
    session = analysed_session(user)
    body = {k: (session.pk if k == "session" else v) for k, v in body.items()}
    if "bout" in body:
        body["bout"] = session.bouts.first().pk
    response = api.post(EXAMPLES, body, format="json")
    assert response.status_code == 400 and error_of(response) == ("non_field_errors", "no_source")


def test_a_stretch_without_its_end_is_refused(api, user, lift):
    session = analysed_session(user)
    response = api.post(EXAMPLES, {"session": session.pk, "start_s": 3}, format="json")
    assert response.status_code == 400 and error_of(response) == ("end_s", "required")


def test_a_file_that_is_no_video_is_refused(api, lift):
    upload = SimpleUploadedFile("lift.mp4", b"not a video at all", content_type="video/mp4")
    response = api.post(EXAMPLES, {"video": upload}, format="multipart")
    assert response.status_code == 400 and error_of(response) == ("video", "unreadable_video")


def test_examples_of_another_users_exercise_answer_404(api, client_for, other_user, engine):
    theirs = client_for(other_user)
    theirs.post("/api/v1/exercises/", {"name": "Lift", "measure": "reps"})
    session = analysed_session(other_user)
    created = theirs.post(EXAMPLES, {"session": session.pk, "start_s": 0, "end_s": 5}).json()
    assert api.get(EXAMPLES).status_code == 404
    assert api.get(f"{EXAMPLES}{created['id']}/").status_code == 404
    assert api.delete(f"{EXAMPLES}{created['id']}/").status_code == 404
    mine = api.post(EXAMPLES, {"session": session.pk, "start_s": 0, "end_s": 5})
    assert mine.status_code == 404
    assert ExerciseExample.objects.count() == 1


def test_delete_removes_the_example_and_its_files_and_trains_again(
    api, user, lift, training_runs, django_capture_on_commit_callbacks, tmp_path
):
    video = write_synthetic_video(tmp_path / "lift.mp4", seconds=2)
    upload = SimpleUploadedFile("lift.mp4", video.read_bytes(), content_type="video/mp4")
    example_id = api.post(EXAMPLES, {"video": upload}, format="multipart").json()["id"]
    example = ExerciseExample.objects.get(pk=example_id)
    storage, name = example.video.storage, example.video.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"{EXAMPLES}{example_id}/").status_code == 204
    assert not ExerciseExample.objects.exists() and not storage.exists(name)
    assert training_runs[-1] == (user.pk, 3)


def test_the_session_may_go_while_its_example_stays(api, user, lift):
    session = analysed_session(user)
    api.post(EXAMPLES, {"session": session.pk, "start_s": 0, "end_s": 5}, format="json")
    assert api.delete(f"/api/v1/sessions/{session.pk}/").status_code == 204
    example = ExerciseExample.objects.get()
    assert example.session is None and example.source == ExampleSource.SESSION
    assert example.status == ExampleStatus.PENDING
