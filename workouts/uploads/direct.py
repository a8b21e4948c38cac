"""Direct uploads (`POST /api/v1/sessions/`, multipart with the video), streamed to storage.

The body is parsed as it arrives: the video goes, a megabyte at a time, into one temporary
file beside the stored videos (same disk), which the storage then moves into place (a
rename), so a 2 GB upload costs one 2 GB write and a 1 MB buffer. The size
limit is checked before the body is read (its Content-Length) and as the file grows. The
temporary file goes with the request (a crash leaves it to the orphan sweep).

A body without Content-Length is refused (411) rather than read to an unknown end: the
resumable upload takes streams of unknown length, and the production proxy hands bodies
over with their length (docker/nginx.conf).
"""

import os
import tempfile

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from rest_framework import status
from rest_framework.exceptions import APIException

from coach.chunked import is_chunked_without_length
from workouts.models import INCOMING_UPLOADS_FOLDER
from workouts.services import file_too_large_error

# Multipart framing around the file: a request this much over the limit is too large.
MULTIPART_OVERHEAD_BYTES = 1024 * 1024
CHUNK_BYTES = 1024 * 1024  # read and written at a time: the memory an upload costs


class LengthRequired(APIException):
    status_code = status.HTTP_411_LENGTH_REQUIRED
    default_code = "length_required"
    default_detail = (
        "Send a direct upload with a Content-Length header, or send a stream of unknown "
        "length with the resumable upload (/api/v1/uploads/)."
    )


def stream_video_to_storage(request) -> None:
    """Has the request's body parsed by DirectUploadHandler once it is read. Called before
    anything reads it (a session log-in's CSRF check does, while authenticating)."""
    request.upload_handlers = [DirectUploadHandler()]


def ensure_length_is_declared(request) -> None:
    if is_chunked_without_length(request.META):
        raise LengthRequired()


def incoming_folder() -> str | None:
    """Beside the stored videos when the storage is a local folder, so that storing the
    upload is a rename; the system's temporary folder otherwise."""
    try:
        folder = default_storage.path(INCOMING_UPLOADS_FOLDER)
    except NotImplementedError:  # an object store: it reads the file, wherever it is
        return None
    os.makedirs(folder, exist_ok=True)
    return folder


class IncomingFile(TemporaryUploadedFile):
    """Django's temporary upload file, created in `folder` rather than FILE_UPLOAD_TEMP_DIR
    (one setting for every upload; only this one is moved into the media folder)."""

    def __init__(self, name, content_type, charset, content_type_extra, folder):
        file = tempfile.NamedTemporaryFile(suffix=".upload", dir=folder)
        UploadedFile.__init__(self, file, name, content_type, 0, charset, content_type_extra)


class DirectUploadHandler(FileUploadHandler):
    """Writes each file of the body to an IncomingFile; 413 before reading a body declared
    over the limit, or as soon as a file grows past it."""

    chunk_size = CHUNK_BYTES

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.WORKOUTS_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES:
            raise file_too_large_error()
        return None  # parse on, with the methods below

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = IncomingFile(
            self.file_name, self.content_type, self.charset, self.content_type_extra,
            incoming_folder(),
        )  # fmt: skip

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.WORKOUTS_MAX_UPLOAD_BYTES:
            self.file.close()  # and removed: the parser does not know of it yet
            raise file_too_large_error()
        self.file.write(raw_data)
        return None  # consumed: no later handler sees it

    def file_complete(self, file_size):
        self.file.seek(0)  # flushes it, for the decoding check that opens it by path
        self.file.size = file_size
        return self.file

    def upload_interrupted(self):
        if getattr(self, "file", None) is not None:
            self.file.close()
