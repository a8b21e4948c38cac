"""Resumable uploads (tus 1.0 core, creation and termination): create an upload, send its
bytes in chunks at explicit offsets, resume after a dropped connection by asking for the
offset, then complete it into a workout session."""

import base64
import binascii
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from users.models import User
from workouts import services
from workouts.models import ChunkedUpload, WorkoutSession

TUS_VERSION = "1.0.0"
UPLOAD_TTL = timedelta(hours=24)
COPY_BUFFER_BYTES = 1024 * 1024
METADATA_KEYS = {"filename", "title", "notes", "started_at"}


class OffsetMismatch(Exception):
    """The chunk does not start where the stored bytes end (tus: 409)."""


class UploadIncomplete(Exception):
    """Completion was asked before all bytes arrived."""


def parse_metadata(header: str) -> dict[str, str]:
    """`Upload-Metadata: filename d29ya291dC5tcDQ=,title TGVnIGRheQ==` -> dict."""
    metadata = {}
    for pair in filter(None, (part.strip() for part in (header or "").split(","))):
        key, _, encoded = pair.partition(" ")
        if key not in METADATA_KEYS:
            continue  # tus clients add keys of their own (filetype, ...); ignore them
        try:
            metadata[key] = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ValidationError(
                {
                    "Upload-Metadata": [
                        ValidationError(
                            f"The value of {key!r} is not base64-encoded UTF-8.", code="invalid"
                        )
                    ]
                }
            )
    return metadata


def _partial_file(upload: ChunkedUpload) -> Path:
    return Path(settings.MEDIA_ROOT) / upload.relative_path


def upload_create(*, user: User, length: int, metadata: dict[str, str]) -> ChunkedUpload:
    if length <= 0:
        raise ValidationError(
            {"Upload-Length": [ValidationError("The file is empty.", code="empty_file")]}
        )
    if length > settings.WORKOUTS_MAX_UPLOAD_BYTES:
        raise services.file_too_large_error("Upload-Length")
    upload = ChunkedUpload(
        user=user,
        length=length,
        filename=metadata.get("filename", "")[:255],
        title=metadata.get("title", ""),
        notes=metadata.get("notes", ""),
        expires_at=timezone.now() + UPLOAD_TTL,
    )
    if "started_at" in metadata:
        from django.utils.dateparse import parse_datetime

        upload.started_at = parse_datetime(metadata["started_at"])
        if upload.started_at is None:
            raise ValidationError(
                {
                    "Upload-Metadata": [
                        ValidationError("started_at must be an ISO 8601 date-time.", code="invalid")
                    ]
                }
            )
    upload.full_clean()
    upload.save()
    path = _partial_file(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    return upload


def upload_append(*, upload_id, user: User, offset: int, stream, length: int) -> ChunkedUpload:
    """Writes `length` bytes from `stream` at `offset`. Bytes that arrive before a dropped
    connection are kept, so the client resumes from the offset HEAD reports."""
    with transaction.atomic():
        upload = ChunkedUpload.objects.select_for_update().get(pk=upload_id, user=user)
        if offset != upload.offset:
            raise OffsetMismatch(f"The upload is at offset {upload.offset}, not {offset}.")
        if offset + length > upload.length:
            raise ValidationError(
                {
                    "Content-Length": [
                        ValidationError(
                            f"The chunk would end at byte {offset + length}, past the declared "
                            f"Upload-Length of {upload.length}.",
                            code="invalid",
                        )
                    ]
                }
            )
        written = 0
        with open(_partial_file(upload), "r+b") as out:
            out.seek(offset)
            try:
                while written < length:
                    piece = stream.read(min(COPY_BUFFER_BYTES, length - written))
                    if not piece:
                        break
                    out.write(piece)
                    written += len(piece)
            finally:  # a dropped connection still keeps what arrived
                out.flush()
                upload.offset = offset + written
                upload.expires_at = timezone.now() + UPLOAD_TTL
                upload.save(update_fields=["offset", "expires_at"])
    return upload


class _PartialFile(File):
    """The finished partial file, handed to the upload service without another copy."""

    def temporary_file_path(self) -> str:
        return self.file.name


def upload_complete(*, upload: ChunkedUpload) -> WorkoutSession:
    if not upload.is_complete:
        raise UploadIncomplete(
            f"Only {upload.offset} of {upload.length} bytes have arrived; send the rest first."
        )
    path = _partial_file(upload)
    with open(path, "rb") as handle:
        session = services.session_create_from_upload(
            user=upload.user,
            video=_PartialFile(handle, name=upload.filename or "video.mp4"),
            title=upload.title,
            notes=upload.notes,
            started_at=upload.started_at,
        )
    upload_delete(upload=upload)
    return session


def upload_delete(*, upload: ChunkedUpload) -> None:
    upload.delete()  # workouts.signals removes the partial file


def purge_expired_uploads() -> int:
    expired = ChunkedUpload.objects.filter(expires_at__lt=timezone.now())
    count = 0
    for upload in expired.iterator():
        with transaction.atomic():
            upload_delete(upload=upload)
        count += 1
    return count
