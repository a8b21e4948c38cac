"""Direct uploads are streamed to one temporary file beside the stored videos and moved into
place; the size limit holds before and while the body is read. (Through a real production
server: tests/workouts/test_production_server.py.)"""

import os
import tempfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.workouts.test_upload_api import SESSIONS, upload, video_errors
from workouts.models import INCOMING_UPLOADS_FOLDER, WorkoutSession
from workouts.uploads.direct import DirectUploadHandler

pytestmark = pytest.mark.django_db


def incoming_files() -> list[str]:
    folder = default_storage.path(INCOMING_UPLOADS_FOLDER)
    return os.listdir(folder) if os.path.isdir(folder) else []


def test_the_video_is_moved_into_storage_not_copied(api, synthetic_video, monkeypatch):
    created = []  # (path, inode) of each temporary file the upload wrote to
    make_temporary = tempfile.NamedTemporaryFile

    def recording(*args, **kwargs):
        handle = make_temporary(*args, **kwargs)
        created.append((handle.name, os.stat(handle.name).st_ino))
        return handle

    monkeypatch.setattr("workouts.uploads.direct.tempfile.NamedTemporaryFile", recording)
    response = upload(api, synthetic_video)
    assert response.status_code == 201, response.content
    [(path, inode)] = created  # one temporary file, in the media folder's incoming/
    assert os.path.dirname(path) == default_storage.path(INCOMING_UPLOADS_FOLDER)
    stored = default_storage.path(WorkoutSession.objects.get().video.name)
    assert os.stat(stored).st_ino == inode  # the same file, renamed
    assert not os.path.exists(path)


def test_a_rejected_upload_leaves_no_temporary_file(api, tmp_path):
    before = incoming_files()  # tests share the media folder
    fake = tmp_path / "notes.mp4"
    fake.write_text("not a video " * 1000)
    assert video_errors(upload(api, fake)) == ["unreadable_video"]
    assert incoming_files() == before


def test_the_handler_stops_at_the_first_piece_past_the_limit(settings):
    settings.WORKOUTS_MAX_UPLOAD_BYTES = 1000
    handler = DirectUploadHandler()
    handler.new_file("video", "big.mp4", "video/mp4", None)
    assert handler.receive_data_chunk(b"x" * 600, 0) is None
    path = handler.file.temporary_file_path()
    with pytest.raises(ValidationError) as refused:
        handler.receive_data_chunk(b"x" * 600, 600)
    assert refused.value.status_code == 413
    assert not os.path.exists(path)  # what arrived is gone with it


def test_a_file_growing_past_the_limit_is_refused_as_it_arrives(api, settings):
    # Declared length within limit + multipart framing, so only the file's own size tells.
    settings.WORKOUTS_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    before = incoming_files()
    video = SimpleUploadedFile("big.mp4", b"\0" * (2 * 1024 * 1024 + 300 * 1024))
    response = api.post(SESSIONS, {"video": video}, format="multipart")
    assert video_errors(response, 413) == ["file_too_large"]
    assert incoming_files() == before
    assert not WorkoutSession.objects.exists()


def test_a_body_without_length_is_refused_before_it_is_read(api):
    response = api.generic(
        "POST",
        SESSIONS,
        b"",  # no body: the test client then sets no Content-Length either
        CONTENT_TYPE="multipart/form-data; boundary=x",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411, response.content
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "length_required",
                "detail": response.json()["errors"][0]["detail"],
                "attr": None,
            }
        ],
    }
    assert "/api/v1/uploads/" in response.json()["errors"][0]["detail"]


def test_a_browser_session_gets_413_before_its_body_is_read(user, settings):
    # The CSRF check of a session log-in reads the form while authenticating, before the
    # view runs: the limit must already hold there.
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    token = browser.get("/api/v1/auth/csrf/").json()["csrf_token"]
    browser.force_login(user)
    settings.WORKOUTS_MAX_UPLOAD_BYTES = 10
    response = browser.post(
        SESSIONS,
        b"x" * 64,  # the test client fails the test if more than this is read
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
        HTTP_X_CSRFTOKEN=token,
    )
    assert video_errors(response, 413) == ["file_too_large"]


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"garbage", "multipart/form-data"),  # no boundary
        (b"garbage", "multipart/form-data; boundary="),  # an empty one
    ],
)
def test_a_malformed_multipart_body_answers_the_apis_json_400(api, body, content_type):
    before = incoming_files()
    response = api.generic("POST", SESSIONS, body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["type"] == "client_error"
    assert response.json()["errors"][0]["code"] == "parse_error"
    assert not WorkoutSession.objects.exists()
    assert incoming_files() == before


def test_a_multipart_body_without_the_video_part_names_the_field(api):
    body = b'--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nleg day\r\n--x--\r\n'
    response = api.generic("POST", SESSIONS, body, content_type="multipart/form-data; boundary=x")
    assert video_errors(response, 400) == ["required"]
