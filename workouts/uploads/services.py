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
from django.http import UnreadablePostError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import Throttled

from users.models import User
from users.validators import validate_not_in_future
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


def _metadata_error(message: str) -> ValidationError:
    return services.field_error("Upload-Metadata", message, "invalid")


def _parse_started_at(value: str):
    try:
        started_at = parse_datetime(value)
    except ValueError:
        started_at = None
    if started_at is None or timezone.is_naive(started_at):
        raise _metadata_error("started_at must be an ISO 8601 date-time with a time zone.")
    try:
        validate_not_in_future(started_at)
    except ValidationError:
        raise _metadata_error("started_at is in the future.")
    return started_at


OPEN_UPLOADS_RETRY_AFTER_S = 60  # Retry-After: another upload may finish by then


def upload_create(*, user: User, length: int, metadata: dict[str, str]) -> ChunkedUpload:
    open_uploads = ChunkedUpload.objects.filter(user=user, session__isnull=True).count()
    if open_uploads >= settings.WORKOUTS_MAX_OPEN_UPLOADS:
        raise Throttled(
            wait=OPEN_UPLOADS_RETRY_AFTER_S,
            detail=f"You have {open_uploads} unfinished uploads; complete or "
            "delete one first (unfinished uploads expire after a day).",
        )
    if length <= 0:
        raise services.field_error("Upload-Length", "The file is empty.", "empty_file")
    if length > settings.WORKOUTS_MAX_UPLOAD_BYTES:
        raise services.file_too_large_error("Upload-Length")
    # Before the first byte, not after a gigabyte: the completion would be refused anyway.
    services.ensure_capacity_for_analysis(user)
    upload = ChunkedUpload(
        user=user,
        length=length,
        filename=metadata.get("filename", "")[:255],
        title=metadata.get("title", ""),
        notes=metadata.get("notes", ""),
        expires_at=timezone.now() + UPLOAD_TTL,
    )
    if "started_at" in metadata:
        upload.started_at = _parse_started_at(metadata["started_at"])
    upload.full_clean()
    upload.save()
    path = _partial_file(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    return upload


def _locked(upload: ChunkedUpload) -> ChunkedUpload:
    """The upload's row, locked until the transaction ends; Http404 when it is gone (deleted,
    or completed by a concurrent request that held the lock first)."""
    return get_object_or_404(ChunkedUpload.objects.select_for_update(), pk=upload.pk)


def upload_append(
    *, upload: ChunkedUpload, offset: int, stream, length: int | None
) -> ChunkedUpload:
    """Writes `length` bytes from `stream` at `offset` (None: a chunked body, read to its
    end). Bytes that arrive before a dropped connection are kept, so the client resumes from
    the offset HEAD reports."""
    with transaction.atomic():
        upload = _locked(upload)
        if offset != upload.offset:
            raise OffsetMismatch(f"The upload is at offset {upload.offset}, not {offset}.")
        chunked = length is None
        if chunked:
            length = upload.length - offset
        if offset + length > upload.length:
            raise services.field_error(
                "Content-Length",
                f"The chunk would end at byte {offset + length}, past the declared "
                f"Upload-Length of {upload.length}.",
                "invalid",
            )
        written = 0
        with open(_partial_file(upload), "r+b") as out:
            out.seek(offset)
            while written < length:
                try:
                    piece = stream.read(min(COPY_BUFFER_BYTES, length - written))
                except (UnreadablePostError, OSError):
                    break  # the connection dropped: keep what arrived, the client resumes
                if not piece:
                    break
                out.write(piece)
                written += len(piece)
        if chunked and written == length and stream.read(1):
            raise services.field_error(
                "Content-Length",
                f"The chunked body runs past the declared Upload-Length of {upload.length}.",
                "invalid",
            )
        upload.offset = offset + written
        upload.expires_at = timezone.now() + UPLOAD_TTL
        upload.save(update_fields=["offset", "expires_at"])
    return upload


class _PartialFile(File):
    """The finished partial file: decoding checks read it in place."""

    def temporary_file_path(self) -> str:
        return self.file.name


def upload_complete(*, upload: ChunkedUpload) -> WorkoutSession:
    """Creates the session and records it on the upload in one transaction. A retried
    completion (its answer lost on the way) waits for the row lock, then gets the same
    session, never a second one."""
    try:
        with transaction.atomic():
            return _complete(_locked(upload))
    except ValidationError:
        # The bytes are not a usable video: keeping the upload would only hold one of the
        # user's open-upload places for a day. (Its own transaction: the failed one rolled back.)
        upload_delete(upload=upload)
        raise


def _complete(upload: ChunkedUpload) -> WorkoutSession:
    if upload.session_id is not None:
        return upload.session
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
    upload.session = session
    upload.save(update_fields=["session"])
    partial = Path(path)
    transaction.on_commit(lambda: partial.unlink(missing_ok=True))  # the session has a copy
    return session


def upload_delete(*, upload: ChunkedUpload) -> None:
    upload.delete()  # workouts.signals removes the partial file


def uploads_purge_expired() -> int:
    return services.purge_under_lock(
        lambda: ChunkedUpload.objects.filter(expires_at__lt=timezone.now()),
        lambda upload: upload_delete(upload=upload),
    )
