"""Resumable (tus 1.0) uploads: chunks, resuming after a dropped connection, completion."""

import base64
from pathlib import Path

import pytest
from django.conf import settings

from workouts.models import ChunkedUpload, WorkoutSession

pytestmark = pytest.mark.django_db

UPLOADS = "/api/v1/uploads/"
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def metadata(**values) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(api, length, **meta):
    response = api.post(
        UPLOADS, HTTP_UPLOAD_LENGTH=str(length), HTTP_UPLOAD_METADATA=metadata(**meta), **TUS
    )
    assert response.status_code == 201, response.content
    return response["Location"].replace("http://testserver", "")


def send(api, url, offset, data: bytes):
    return api.generic(
        "PATCH",
        url,
        data,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset),
        **TUS,
    )


@pytest.fixture
def no_analysis(monkeypatch):
    monkeypatch.setattr("workouts.tasks.analyze_session.delay", lambda session_id: None)


def test_discovery(anon_client):
    response = anon_client.options(UPLOADS)
    assert response["Tus-Version"] == "1.0.0"
    assert {"creation", "termination", "expiration"} <= set(response["Tus-Extension"].split(","))


def test_upload_expires_is_announced_and_moves_with_each_chunk(api):
    from django.utils.http import parse_http_date

    created = api.post(UPLOADS, HTTP_UPLOAD_LENGTH="10", **TUS)
    url = created["Location"].replace("http://testserver", "")
    upload = ChunkedUpload.objects.get()
    assert parse_http_date(created["Upload-Expires"]) == int(upload.expires_at.timestamp())
    assert api.head(url, **TUS)["Upload-Expires"] == created["Upload-Expires"]
    chunk = send(api, url, 0, b"01234")
    upload.refresh_from_db()
    assert parse_http_date(chunk["Upload-Expires"]) == int(upload.expires_at.timestamp())


def test_upload_in_chunks_resume_and_complete(
    api, client_for, user, synthetic_video, no_analysis, django_capture_on_commit_callbacks
):
    data = synthetic_video.read_bytes()
    url = create(api, len(data), filename="leg-day.mp4", title="Leg day")
    third = len(data) // 3

    assert send(api, url, 0, data[:third])["Upload-Offset"] == str(third)
    # The connection drops; a new client asks where to resume.
    phone = client_for(user)
    head = phone.head(url, **TUS)
    assert head.status_code == 200
    assert (head["Upload-Offset"], head["Upload-Length"]) == (str(third), str(len(data)))
    # A chunk sent for the wrong offset is refused and changes nothing.
    assert send(phone, url, 0, data[:third]).status_code == 409
    response = send(phone, url, third, data[third:])
    assert response.status_code == 204 and response["Upload-Offset"] == str(len(data))

    with django_capture_on_commit_callbacks(execute=True):
        done = phone.post(url + "complete/", **TUS)
    assert done.status_code == 201, done.json()
    session = WorkoutSession.objects.get(pk=done.json()["id"])
    assert session.title == "Leg day" and session.status == "pending"
    assert Path(session.video.path).read_bytes() == data
    assert done["Location"].endswith(f"/api/v1/sessions/{session.id}/")
    upload = ChunkedUpload.objects.get()
    assert upload.session == session  # kept until it expires, for a retried completion
    assert not (Path(settings.MEDIA_ROOT) / upload.relative_path).exists()  # the bytes moved


def test_complete_before_all_bytes_arrived(api, synthetic_video):
    url = create(api, synthetic_video.stat().st_size)
    send(api, url, 0, synthetic_video.read_bytes()[:100])
    response = api.post(url + "complete/", **TUS)
    assert response.status_code == 409
    assert "100 of" in response.json()["errors"][0]["detail"]


def test_completed_garbage_is_rejected_like_an_upload(api, no_analysis):
    url = create(api, 2000)
    send(api, url, 0, b"\x00garbage" * 250)
    response = api.post(url + "complete/", **TUS)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "unreadable_video"
    assert not WorkoutSession.objects.exists()
    assert not ChunkedUpload.objects.exists()  # no open-upload place held for a day


def test_creation_is_refused_while_analyses_are_full(api, user, settings):
    from tests.workouts.factories import WorkoutSessionFactory
    from workouts.models import SessionStatus

    settings.WORKOUTS_MAX_IN_FLIGHT = 1
    WorkoutSessionFactory(user=user, status=SessionStatus.PENDING)
    response = api.post(UPLOADS, HTTP_UPLOAD_LENGTH="10", **TUS)
    assert response.status_code == 429  # before the first byte is sent
    assert "Retry-After" in response
    assert not ChunkedUpload.objects.exists()


def test_chunk_past_declared_length(api):
    url = create(api, 10)
    assert send(api, url, 0, b"x" * 11).status_code == 400


@pytest.mark.parametrize(
    "headers, status",
    [
        ({"HTTP_UPLOAD_LENGTH": "0"}, 400),
        ({"HTTP_UPLOAD_LENGTH": "lots"}, 400),
        ({}, 400),
        ({"HTTP_UPLOAD_LENGTH": str(10**13)}, 413),  # over Tus-Max-Size, as tus says
        ({"HTTP_UPLOAD_LENGTH": "10", "HTTP_UPLOAD_METADATA": "title not-base64!"}, 400),
    ],
)
def test_bad_creation_headers(api, headers, status):
    assert api.post(UPLOADS, **headers, **TUS).status_code == status
    assert not ChunkedUpload.objects.exists()


def test_tus_version_and_content_type_are_checked(api):
    refused = api.post(UPLOADS, HTTP_UPLOAD_LENGTH="10")
    assert refused.status_code == 412
    assert refused["Tus-Version"] == "1.0.0"  # tus 1.0: what the server speaks
    url = create(api, 10)
    response = api.generic(
        "PATCH", url, b"x" * 10, content_type="application/json", HTTP_UPLOAD_OFFSET="0", **TUS
    )
    assert response.status_code == 415


def test_abandon(api, settings):
    url = create(api, 10)
    upload = ChunkedUpload.objects.get()
    partial = Path(settings.MEDIA_ROOT) / upload.relative_path
    assert partial.exists()
    assert api.delete(url, **TUS).status_code == 204
    assert not ChunkedUpload.objects.exists()


def test_other_users_upload_is_404_everywhere(api, client_for, other_user):
    url = create(api, 10)
    intruder = client_for(other_user)
    assert intruder.head(url, **TUS).status_code == 404
    assert send(intruder, url, 0, b"x" * 10).status_code == 404
    assert intruder.post(url + "complete/", **TUS).status_code == 404
    assert intruder.delete(url, **TUS).status_code == 404
    assert ChunkedUpload.objects.get().offset == 0


def test_expired_uploads_are_purged(api):
    from datetime import timedelta

    from django.utils import timezone

    from workouts.tasks import purge_expired_uploads

    create(api, 10)
    create(api, 10)
    ChunkedUpload.objects.filter(pk=ChunkedUpload.objects.first().pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert purge_expired_uploads() == 1
    assert ChunkedUpload.objects.count() == 1


def test_media_root_is_the_test_folder():
    assert "coach-test-media" in str(settings.MEDIA_ROOT)


def test_dropped_connection_keeps_the_bytes_that_arrived(api, user):
    from django.http import UnreadablePostError

    from workouts.uploads.services import upload_append

    url = create(api, 100)
    upload = ChunkedUpload.objects.get()

    class DroppingStream:
        """40 bytes arrive, then the phone loses its connection."""

        def __init__(self):
            self.sent = False

        def read(self, size):
            if self.sent:
                raise UnreadablePostError("connection reset")
            self.sent = True
            return b"a" * 40

    upload_append(upload=upload, offset=0, stream=DroppingStream(), length=100)
    assert api.head(url, **TUS)["Upload-Offset"] == "40"
    assert send(api, url, 40, b"b" * 60)["Upload-Offset"] == "100"
    partial = Path(settings.MEDIA_ROOT) / ChunkedUpload.objects.get().relative_path
    assert partial.read_bytes() == b"a" * 40 + b"b" * 60


@pytest.mark.parametrize(
    "started_at",
    ["2024-13-45T00:00:00Z", "2999-01-01T00:00:00Z", "2024-01-01T10:00:00", "tomorrow"],
)
def test_bad_started_at_metadata(api, started_at):
    response = api.post(
        UPLOADS,
        HTTP_UPLOAD_LENGTH="10",
        HTTP_UPLOAD_METADATA=metadata(started_at=started_at),
        **TUS,
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "Upload-Metadata"
    assert not ChunkedUpload.objects.exists()


def test_limit_on_open_uploads(api, settings):
    settings.WORKOUTS_MAX_OPEN_UPLOADS = 2
    create(api, 10)
    create(api, 10)
    response = api.post(UPLOADS, HTTP_UPLOAD_LENGTH="10", **TUS)
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert ChunkedUpload.objects.count() == 2


def test_a_retried_completion_answers_the_same_session(api, synthetic_video, no_analysis):
    data = synthetic_video.read_bytes()
    url = create(api, len(data))
    send(api, url, 0, data)
    first = api.post(url + "complete/", **TUS)
    again = api.post(url + "complete/", **TUS)  # the first answer was lost on the way
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert WorkoutSession.objects.count() == 1


def test_completed_uploads_do_not_count_as_open(api, synthetic_video, no_analysis, settings):
    settings.WORKOUTS_MAX_OPEN_UPLOADS = 1
    data = synthetic_video.read_bytes()
    url = create(api, len(data))
    send(api, url, 0, data)
    assert api.post(url + "complete/", **TUS).status_code == 201
    assert api.post(UPLOADS, HTTP_UPLOAD_LENGTH="10", **TUS).status_code == 201
