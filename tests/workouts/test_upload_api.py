"""Uploading a workout video: the happy path and every way an upload can be wrong."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.workouts.factories import WorkoutSessionFactory
from workouts.models import SessionStatus, WorkoutSession

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"


def upload(api, path: Path, name: str | None = None, **fields):
    headers = {k: fields.pop(k) for k in list(fields) if k.startswith("HTTP_")}
    with open(path, "rb") as handle:
        data = {"video": SimpleUploadedFile(name or path.name, handle.read()), **fields}
    return api.post(SESSIONS, data, format="multipart", **headers)


def video_errors(response, status=400):
    assert response.status_code == status, response.content
    errors = response.json()["errors"]
    assert {e["attr"] for e in errors} == {"video"}
    return [e["code"] for e in errors]


def test_upload_creates_pending_session_and_queues_analysis(
    api, user, synthetic_video, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("workouts.tasks.analyze_session.delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(
            api,
            synthetic_video,
            title="Leg day",
            notes="felt good",
            started_at="2024-05-01T07:00:00Z",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending" and body["progress"] == 0
    assert body["title"] == "Leg day" and body["started_at"] == "2024-05-01T07:00:00Z"
    assert body["duration_s"] == pytest.approx(2.0, abs=0.2)
    session = WorkoutSession.objects.get(pk=body["id"])
    assert session.user == user
    assert Path(session.video.path).read_bytes() == synthetic_video.read_bytes()
    assert queued == [session.id]


def test_zero_byte_file(api, tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert video_errors(upload(api, empty)) in (["empty"], ["empty_file"])
    assert not WorkoutSession.objects.exists()


def test_text_file_named_like_a_video(api, tmp_path):
    fake = tmp_path / "workout.mp4"
    fake.write_text("this is not a video, just text with an .mp4 name\n" * 50)
    assert video_errors(upload(api, fake)) == ["unreadable_video"]
    assert not WorkoutSession.objects.exists()


def test_image_is_not_a_video(api, tmp_path):
    import cv2
    import numpy as np

    image = tmp_path / "photo.mp4"
    cv2.imwrite(str(tmp_path / "photo.png"), np.zeros((32, 32, 3), np.uint8))
    image.write_bytes((tmp_path / "photo.png").read_bytes())
    assert video_errors(upload(api, image)) == ["unreadable_video"]


def test_truncated_video(api, synthetic_video, tmp_path):
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(synthetic_video.read_bytes()[: synthetic_video.stat().st_size // 2])
    assert video_errors(upload(api, truncated)) == ["unreadable_video"]
    assert not WorkoutSession.objects.exists()


def test_too_large(api, synthetic_video, settings):
    settings.WORKOUTS_MAX_UPLOAD_BYTES = synthetic_video.stat().st_size - 1
    assert video_errors(upload(api, synthetic_video), 413) == ["file_too_large"]


def test_declared_length_far_over_the_limit_is_refused_before_reading(api, settings):
    settings.WORKOUTS_MAX_UPLOAD_BYTES = 10
    response = api.post(
        SESSIONS,
        b"x" * 64,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert video_errors(response, 413) == ["file_too_large"]


def test_too_long(api, synthetic_video, settings):
    settings.WORKOUTS_MAX_DURATION_S = 1
    assert video_errors(upload(api, synthetic_video)) == ["video_too_long"]


def test_missing_file_and_json_body(api):
    assert api.post(SESSIONS, {}, format="multipart").status_code == 400
    response = api.post(SESSIONS, {"video": "abc"}, format="json")
    assert response.status_code == 415


def test_invalid_fields_are_reported_and_nothing_is_stored(api, synthetic_video):
    response = upload(api, synthetic_video, started_at="2999-01-01T00:00:00Z")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "started_at"
    response = upload(api, synthetic_video, started_at="soon")
    assert response.status_code == 400
    assert not WorkoutSession.objects.exists()


def test_limit_on_analyses_in_flight(api, user, synthetic_video, settings):
    settings.WORKOUTS_MAX_IN_FLIGHT = 2
    WorkoutSessionFactory(user=user, status=SessionStatus.PENDING)
    WorkoutSessionFactory(user=user, status=SessionStatus.PROCESSING)
    WorkoutSessionFactory(status=SessionStatus.PENDING)  # someone else's: does not count
    response = upload(api, synthetic_video)
    assert response.status_code == 429
    assert "limit is 2" in response.json()["errors"][0]["detail"]
    assert response["Retry-After"] == "30"
    assert WorkoutSession.objects.filter(user=user).count() == 2


def test_anonymous_upload_is_refused(anon_client, synthetic_video):
    assert upload(anon_client, synthetic_video).status_code == 401


class TestIdempotencyKey:
    """A phone that retries an upload whose answer was lost sends the same key."""

    @pytest.fixture(autouse=True)
    def no_analysis(self, monkeypatch):
        monkeypatch.setattr("workouts.tasks.analyze_session.delay", lambda session_id: None)

    def test_the_same_key_returns_the_first_session(self, api, synthetic_video):
        first = upload(api, synthetic_video, HTTP_IDEMPOTENCY_KEY="upload-7f3a")
        again = upload(api, synthetic_video, HTTP_IDEMPOTENCY_KEY="upload-7f3a")
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"]
        assert first["Location"].endswith(f"/api/v1/sessions/{first.json()['id']}/")
        assert WorkoutSession.objects.count() == 1

    def test_another_key_or_none_makes_another_session(self, api, synthetic_video):
        ids = {
            upload(api, synthetic_video, HTTP_IDEMPOTENCY_KEY="a").json()["id"],
            upload(api, synthetic_video, HTTP_IDEMPOTENCY_KEY="b").json()["id"],
            upload(api, synthetic_video).json()["id"],
        }
        assert len(ids) == 3

    def test_keys_are_per_user(self, api, client_for, other_user, synthetic_video):
        mine = upload(api, synthetic_video, HTTP_IDEMPOTENCY_KEY="k").json()["id"]
        theirs = upload(client_for(other_user), synthetic_video, HTTP_IDEMPOTENCY_KEY="k")
        assert theirs.status_code == 201 and theirs.json()["id"] != mine

    def test_a_key_is_free_again_after_a_day(self, api, synthetic_video):
        from datetime import timedelta

        from django.utils import timezone

        first = upload(api, synthetic_video, HTTP_IDEMPOTENCY_KEY="k").json()["id"]
        WorkoutSession.objects.filter(pk=first).update(
            created_at=timezone.now() - timedelta(days=1, minutes=1)
        )
        second = upload(api, synthetic_video, HTTP_IDEMPOTENCY_KEY="k")
        assert second.status_code == 201 and second.json()["id"] != first
