"""The WSGI request reads a chunked body to its end where the server ends the input there
(gunicorn), and as Django does everywhere else."""

import io

from django.test import RequestFactory

from coach.wsgi import WSGIRequest


def environ(body: bytes, **extra) -> dict:
    base = RequestFactory().generic("PATCH", "/api/v1/uploads/x/").environ
    base.pop("CONTENT_LENGTH", None)
    return {**base, "wsgi.input": io.BytesIO(body), **extra}


def test_a_chunked_body_is_read_to_its_end_when_the_server_terminates_the_input():
    request = WSGIRequest(
        environ(b"0123456789", HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input_terminated": True})
    )
    assert request.read() == b"0123456789"


def test_without_the_servers_word_a_body_without_length_stays_empty():
    # Reading to the end of a socket that the server did not end could wait forever.
    request = WSGIRequest(environ(b"0123456789", HTTP_TRANSFER_ENCODING="chunked"))
    assert request.read() == b""


def test_a_declared_length_is_read_as_django_does():
    request = WSGIRequest(
        environ(b"0123456789", CONTENT_LENGTH="4", **{"wsgi.input_terminated": True})
    )
    assert request.read() == b"0123"
