"""tuspy, the official Python tus client: a real clip sent in small chunks, stopped midway,
then resumed by a new client from the offset the server reports, and completed into a
workout session."""

import pytest

from tests.clients.conftest import complete_upload, upload_offset

tusclient = pytest.importorskip(
    "tusclient.client", reason="tuspy is not installed (pip install -e '.[dev]')"
)

pytestmark = pytest.mark.django_db(transaction=True)

CHUNK = 16 * 1024
CHUNKS_BEFORE_STOP = 2


def test_an_interrupted_upload_resumes_from_the_servers_offset(coach_server, access_token, clip):
    endpoint = f"{coach_server}/api/v1/uploads/"
    headers = {"Authorization": f"Bearer {access_token}"}
    size = clip.stat().st_size
    assert size > 3 * CHUNK

    first = tusclient.TusClient(endpoint, headers=headers).uploader(
        file_path=str(clip), chunk_size=CHUNK, metadata={"filename": clip.name, "title": "tuspy"}
    )
    first.upload(stop_at=CHUNKS_BEFORE_STOP * CHUNK)  # the connection "drops" here
    upload_url = first.url
    assert upload_url.startswith(endpoint)
    assert upload_offset(upload_url, access_token) == CHUNKS_BEFORE_STOP * CHUNK

    # A new client (the app restarted) knows only the upload's URL: it asks the server
    # where to go on (HEAD) and sends the rest.
    second = tusclient.TusClient(endpoint, headers=headers).uploader(
        file_path=str(clip), chunk_size=CHUNK, url=upload_url
    )
    assert second.offset == CHUNKS_BEFORE_STOP * CHUNK
    second.upload()
    session = complete_upload(upload_url, access_token, size=size)
    assert session["title"] == "tuspy"
