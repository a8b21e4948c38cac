"""What tus-java-client (and so Android's tus client) sends: PATCH bodies with
`Transfer-Encoding: chunked` and no Content-Length, and PATCH or DELETE as a POST with
`X-HTTP-Method-Override` (tus 1.0 core: a server MUST honour it)."""

import asyncio

import pytest
from asgiref.testing import ApplicationCommunicator
from rest_framework_simplejwt.tokens import RefreshToken

from tests.workouts.uploads.test_resumable_api import TUS, create
from workouts.models import ChunkedUpload

pytestmark = pytest.mark.django_db(transaction=True)  # the ASGI app runs in other threads


def chunked_patch(user, url: str, offset: int, pieces: list[bytes]) -> tuple[int, dict]:
    """A PATCH through the ASGI application as daphne hands it over: chunked, no length."""
    from django.core.asgi import get_asgi_application

    token = str(RefreshToken.for_user(user).access_token)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PATCH",
        "scheme": "http",
        "path": url,
        "raw_path": url.encode(),
        "query_string": b"",
        "root_path": "",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"tus-resumable", b"1.0.0"),
            (b"upload-offset", str(offset).encode()),
            (b"content-type", b"application/offset+octet-stream"),
            (b"transfer-encoding", b"chunked"),
        ],
    }

    async def exchange():
        app = ApplicationCommunicator(get_asgi_application(), scope)
        for i, piece in enumerate(pieces):
            more = i < len(pieces) - 1
            await app.send_input({"type": "http.request", "body": piece, "more_body": more})
        start = await app.receive_output(10)
        await app.receive_output(10)  # the body
        await app.wait(10)
        return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}

    return asyncio.run(exchange())


def test_a_chunked_patch_without_content_length_is_stored(api, user):
    data = bytes(range(256)) * 4
    url = create(api, len(data))
    status, headers = chunked_patch(user, url, 0, [data[:300], data[300:700], data[700:]])
    assert status == 204
    assert headers["upload-offset"] == str(len(data))
    assert ChunkedUpload.objects.get().offset == len(data)


def test_a_chunked_body_past_the_declared_length_is_refused(api, user):
    url = create(api, 10)
    status, _ = chunked_patch(user, url, 0, [b"0123456789", b"extra"])
    assert status == 400
    assert ChunkedUpload.objects.get().offset == 0


def test_method_override_patch_and_delete(api):
    url = create(api, 6)
    response = api.generic(
        "POST",
        url,
        b"abcdef",
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        HTTP_X_HTTP_METHOD_OVERRIDE="PATCH",
        **TUS,
    )
    assert response.status_code == 204, response.content
    assert response["Upload-Offset"] == "6"
    assert ChunkedUpload.objects.get().offset == 6
    deleted = api.post(url, HTTP_X_HTTP_METHOD_OVERRIDE="DELETE", **TUS)
    assert deleted.status_code == 204
    assert not ChunkedUpload.objects.exists()
