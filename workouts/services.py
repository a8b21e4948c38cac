"""State changes for workout sessions. APIs and tasks call these; they queue tasks (imported
here at the top), and the tasks import them inside the task function."""

import logging
import tempfile
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as KombuOperationalError
from rest_framework.exceptions import AuthenticationFailed, Throttled

from users.models import User
from workouts import events, selectors
from workouts.models import (
    BOUT_RESULT_FIELDS,
    INCOMING_UPLOADS_FOLDER,
    Bout,
    ChunkedUpload,
    SessionSource,
    SessionStatus,
    WorkoutSession,
)
from workouts.tasks import analyze_session
from workouts.uploads.video import CheckedVideo, VideoRejected, check_video

log = logging.getLogger(__name__)


class AnalysisConflict(Exception):
    """The session is being analysed right now."""


def session_enqueue_analysis(session: WorkoutSession) -> None:
    """Queues the session's analysis (task workouts.analyse_session) once the transaction
    commits: the worker must find the row (and the file) when it starts. Uploads, reanalysis
    and stopped live sessions all come through here.

    The row is the hand-off's record (an outbox): a `pending` session whose task did not
    reach the broker, or was lost with it, is sent again by `sessions_requeue_stuck`, so a
    broker outage delays an analysis but loses none, and the request still succeeds."""
    transaction.on_commit(lambda: _send_analysis(session.id))


def _send_analysis(session_id: int) -> bool:
    try:
        analyze_session.delay(session_id)
    except (KombuOperationalError, OSError) as error:
        log.warning("broker unreachable, session %s waits for a re-send: %s", session_id, error)
        return False
    WorkoutSession.objects.filter(pk=session_id).update(enqueued_at=timezone.now())
    return True


def _stuck_sessions(now) -> QuerySet[WorkoutSession]:
    """Waiting ones whose task never reached the broker (after a short grace for the send in
    flight) or reached it long ago; running ones whose worker stopped reporting progress."""
    pending_before = now - timedelta(seconds=settings.WORKOUTS_REQUEUE_PENDING_AFTER_S)
    processing_before = now - timedelta(seconds=settings.WORKOUTS_REQUEUE_PROCESSING_AFTER_S)
    never_sent = Q(enqueued_at__isnull=True, updated_at__lt=now - timedelta(seconds=30))
    return WorkoutSession.objects.filter(
        Q(status=SessionStatus.PENDING) & (never_sent | Q(enqueued_at__lt=pending_before))
        | Q(status=SessionStatus.PROCESSING, updated_at__lt=processing_before)
    )


def session_is_stuck(session: WorkoutSession) -> bool:
    return _stuck_sessions(timezone.now()).filter(pk=session.pk).exists()


def sessions_requeue_stuck() -> int:
    """Sends the stuck analyses again; returns how many reached the broker. Safe at any
    time: the task claims a session once and skips a finished one, and a session whose
    analyses keep dying fails after WORKOUTS_MAX_ANALYSIS_ATTEMPTS."""
    now = timezone.now()
    sent = 0
    for session_id in _stuck_sessions(now).values_list("pk", flat=True):
        if _send_analysis(session_id):
            # A worker still alive after all is not raced again by the next sweep.
            WorkoutSession.objects.filter(pk=session_id).update(updated_at=now)
            sent += 1
    return sent


IN_FLIGHT_RETRY_AFTER_S = 30  # Retry-After: an analysis takes about this long or more


def ensure_capacity_for_analysis(user: User) -> None:
    """429 when the user already has WORKOUTS_MAX_IN_FLIGHT videos waiting or in analysis."""
    in_flight = selectors.sessions_in_flight_count(user=user)
    if in_flight >= settings.WORKOUTS_MAX_IN_FLIGHT:
        raise Throttled(
            wait=IN_FLIGHT_RETRY_AFTER_S,
            detail=f"You have {in_flight} videos waiting for analysis; the limit is "
            f"{settings.WORKOUTS_MAX_IN_FLIGHT}. Try again when one has finished.",
        )


def field_error(field: str, message: str, code: str) -> ValidationError:
    """A validation error on one field (or header) with its own error code."""
    return ValidationError({field: [ValidationError(message, code=code)]})


# The codes of a rejected video (field `video`, 400), raised here and by uploads.video;
# file_too_large answers 413 (serializers.FILE_TOO_LARGE_413).
UPLOAD_ERROR_CODES = ["empty_file", "unreadable_video", "video_too_long"]


class FileTooLargeError(ValidationError):
    """A validation error that answers 413 Payload Too Large (what tus and HTTP clients expect)."""

    status_code = 413


def file_too_large_error(field: str = "video") -> ValidationError:
    limit_mb = settings.WORKOUTS_MAX_UPLOAD_BYTES / 1024**2
    message = f"The file is larger than the {limit_mb:g} MB limit."
    return FileTooLargeError({field: [ValidationError(message, code="file_too_large")]})


def delete_file_after_commit(stored: FieldFile) -> None:
    """Removes a stored file once the transaction that stopped referring to it commits
    (a rollback keeps it)."""
    if stored:
        storage, name = stored.storage, stored.name
        transaction.on_commit(lambda: storage.delete(name))


def purge_under_lock(candidates: Callable[[], QuerySet], delete: Callable) -> int:
    """Deletes what `candidates()` matches, one row at a time, re-checking each row under a
    lock: it may have changed since it was listed (a new chunk, a re-analysis)."""
    purged = 0
    for pk in candidates().values_list("pk", flat=True).iterator():
        with transaction.atomic():
            row = candidates().select_for_update().filter(pk=pk).first()
            if row is not None:
                delete(row)
                purged += 1
    return purged


def _local_copy(uploaded) -> tuple[str, tempfile.TemporaryDirectory | None]:
    """A path on disk for the upload: Django keeps large uploads in a temp file already."""
    if hasattr(uploaded, "temporary_file_path"):
        return uploaded.temporary_file_path(), None
    folder = tempfile.TemporaryDirectory(prefix="coach-upload-")
    path = Path(folder.name) / "video"
    with open(path, "wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    return str(path), folder


def check_uploaded_video(video, *, max_duration_s: float) -> CheckedVideo:
    """The upload checked by decoding it, or a 400 on field `video` saying why not."""
    path, folder = _local_copy(video)
    try:
        return check_video(path, max_duration_s=max_duration_s)
    except VideoRejected as rejected:
        raise field_error("video", rejected.message, rejected.code)
    finally:
        if folder is not None:
            folder.cleanup()


def session_create_from_upload(
    *, user: User, video, title: str = "", notes: str = "", started_at=None, idempotency_key=""
) -> WorkoutSession:
    """Checks the upload by decoding it, stores it and queues the analysis. With an
    `idempotency_key` the user sent for an upload in the last day, that upload's session."""
    if idempotency_key and (earlier := selectors.session_by_idempotency_key(user, idempotency_key)):
        return earlier
    if video.size == 0:
        raise field_error("video", "The file is empty.", "empty_file")
    if video.size > settings.WORKOUTS_MAX_UPLOAD_BYTES:
        raise file_too_large_error()
    ensure_capacity_for_analysis(user)  # fail fast, before decoding; re-checked under lock
    checked = check_uploaded_video(video, max_duration_s=settings.WORKOUTS_MAX_DURATION_S)

    session = WorkoutSession(
        user=user,
        title=title,
        notes=notes,
        duration_s=checked.duration_s,
        video_size_bytes=video.size,
    )
    if started_at is not None:
        session.started_at = started_at
    session.full_clean(exclude=["video", "user"])  # the user is checked under its lock
    try:
        with transaction.atomic():
            return _store_new_session(session, video, user, idempotency_key)
    except BaseException:
        # Whatever failed, before the commit or at it (a foreign key checked at commit on
        # PostgreSQL), the stored file must not outlive its row.
        if session.video.name:
            session.video.storage.delete(session.video.name)
        raise


def _store_new_session(session, video, user: User, idempotency_key: str) -> WorkoutSession:
    # Locking the user row serialises one user's uploads, so parallel requests cannot all
    # pass the in-flight limit before any of them is stored, and an account deleted
    # meanwhile is seen here (its deletion waits for this lock otherwise).
    if User.objects.select_for_update().filter(pk=user.pk).first() is None:
        raise AuthenticationFailed("This account was deleted.", code="user_not_found")
    if idempotency_key:
        if earlier := selectors.session_by_idempotency_key(user, idempotency_key):
            return earlier  # a concurrent retry won the lock
        # The key is free again after a day: an older session lets go of it.
        user.workout_sessions.filter(idempotency_key=idempotency_key).update(idempotency_key="")
        session.idempotency_key = idempotency_key
    ensure_capacity_for_analysis(user)
    # A request's upload is the storage's to take: on the same disk it is moved into place
    # (workouts.uploads.direct), not copied. Any other file (a resumable upload's bytes,
    # kept until the commit) is copied.
    content = video if isinstance(video, UploadedFile) else File(video)
    session.video.save(video.name or "video.mp4", content, save=False)
    session.save()
    session_enqueue_analysis(session)
    return session


@transaction.atomic
def session_update(*, session: WorkoutSession, **fields) -> WorkoutSession:
    """Title, notes or start time. Calories keep the body metrics they were computed with
    until the session is re-analysed."""
    for name, value in fields.items():
        setattr(session, name, value)
    session.full_clean(exclude=["video"])
    session.save(update_fields=[*fields, "updated_at"])
    if "started_at" in fields:
        session.bouts.update(session_started_at=session.started_at)
    return session


def session_delete(*, session: WorkoutSession) -> None:
    """Removes the session and its results; workouts.signals removes the video file."""
    session.delete()


def session_delete_video(*, session: WorkoutSession) -> WorkoutSession:
    """Removes the video file but keeps the analysed results (retention). The poster frame
    goes with it: it is a picture from the video the user chose not to keep."""
    delete_file_after_commit(session.video)
    delete_file_after_commit(session.thumbnail)
    session.video = ""
    session.thumbnail = ""
    session.video_deleted_at = timezone.now()
    session.save(update_fields=["video", "thumbnail", "video_deleted_at", "updated_at"])
    return session


@transaction.atomic
def session_request_reanalysis(*, session: WorkoutSession) -> WorkoutSession:
    # Locked and re-read: two quick clicks must not queue two analyses.
    session = WorkoutSession.objects.select_for_update().select_related("user").get(pk=session.pk)
    if session.status == SessionStatus.LIVE:
        raise AnalysisConflict("This session is still live; stop it to have it analysed.")
    if session.status in (SessionStatus.PENDING, SessionStatus.PROCESSING):
        if session_is_stuck(session):  # its task was lost: send it again
            session_enqueue_analysis(session)
            return session
        raise AnalysisConflict("This session is already waiting for or being analysed.")
    # A live session is analysed from its stored landmarks, not from a video.
    if not session.has_video and session.source != SessionSource.LIVE:
        raise ValidationError(
            "The video of this session was deleted, so it cannot be analysed again.",
            code="video_deleted",
        )
    ensure_capacity_for_analysis(session.user)
    session.status = SessionStatus.PENDING
    session.progress = 0.0
    session.error_code = session.error_message = ""
    session.analysis_attempts = 0
    session.save(
        update_fields=[
            "status",
            "progress",
            "error_code",
            "error_message",
            "analysis_attempts",
            "updated_at",
        ]
    )
    session_enqueue_analysis(session)
    return session


# --- Used by the analysis task -------------------------------------------------------


def session_begin_analysis(*, session_id: int) -> WorkoutSession | None:
    """Claims the session for an analysis run. None when there is nothing to do: the
    session is gone or already finished (a duplicate or late delivery of the task)."""
    with transaction.atomic():
        session = (
            WorkoutSession.objects.select_for_update()
            .filter(pk=session_id)
            .select_related("user")
            .first()
        )
        if session is None or session.status not in (
            SessionStatus.PENDING,
            SessionStatus.PROCESSING,
        ):
            return None
        session.analysis_attempts += 1
        session.status = SessionStatus.PROCESSING
        session.progress = 0.0
        session.save(update_fields=["analysis_attempts", "status", "progress", "updated_at"])
    return session


def session_set_progress(*, session_id: int, fraction: float) -> None:
    fraction = min(max(float(fraction), 0.0), 1.0)
    WorkoutSession.objects.filter(pk=session_id, status=SessionStatus.PROCESSING).update(
        progress=fraction, updated_at=timezone.now()
    )


def session_mark_failed(*, session: WorkoutSession, code: str, message: str) -> None:
    # An update, not a save: the session may have been edited or deleted meanwhile.
    with transaction.atomic():
        updated = WorkoutSession.objects.filter(pk=session.pk).update(
            status=SessionStatus.FAILED,
            error_code=code,
            error_message=message,
            updated_at=timezone.now(),
        )
        if updated:
            events.announce_finished(session.pk)


ANALYSIS_FIELDS = [
    "result",
    "body_metrics",
    "total_kcal",
    "active_s",
    "total_reps",
    "duration_s",
    "model_version",
    "status",
    "progress",
    "error_code",
    "error_message",
    "analysed_at",
    "updated_at",
]


@transaction.atomic
def session_record_analysis(
    *,
    session: WorkoutSession,
    result: dict,
    body_metrics: dict,
    landmarks: bytes | None = None,
    poster: bytes | None = None,
) -> bool:
    """Stores a finished analysis on the current row (re-read and locked: the user may have
    edited or deleted the session while it was analysed), with its poster frame (JPEG) when
    one was made. Replaces earlier bouts, so running it twice leaves one copy. `landmarks`:
    the analysed landmarks (LandmarkSequence.to_bytes), kept for corrections and examples.
    False when the session is gone."""
    current = WorkoutSession.objects.select_for_update().filter(pk=session.pk).first()
    if current is None:
        return False
    fields = list(ANALYSIS_FIELDS)
    if landmarks is not None:
        _replace_landmarks(current, landmarks)
        fields.append("landmarks")
    if poster:
        _replace_thumbnail(current, poster)
        fields.append("thumbnail")
    current.bouts.all().delete()
    Bout.objects.bulk_create(
        Bout(
            session=current,
            user_id=current.user_id,
            session_started_at=current.started_at,
            position=position,
            # .get: results stored before the engine gave `count_confidence` lack the key.
            **{name: bout.get(name) for name in BOUT_RESULT_FIELDS},
        )
        for position, bout in enumerate(result["bouts"])
    )
    totals = result["totals"]
    current.result = result
    current.body_metrics = body_metrics
    current.total_kcal = totals["kcal"]
    current.active_s = totals["active_s"]
    current.total_reps = sum(totals["reps_by_exercise"].values())
    current.duration_s = result["duration_s"]
    current.model_version = f"{result['model']['name']}@{result['model']['version']}"
    current.status = SessionStatus.DONE
    current.progress = 1.0
    current.error_code = current.error_message = ""
    current.analysed_at = timezone.now()
    current.save(update_fields=fields)
    events.announce_finished(current.pk)
    return True


@transaction.atomic
def session_store_thumbnail(*, session_id: int, poster: bytes) -> bool:
    """A poster frame (JPEG) made outside an analysis (the backfill); False when the session
    is gone or its video was deleted meanwhile."""
    current = WorkoutSession.objects.select_for_update().filter(pk=session_id).first()
    if current is None or not current.has_video:
        return False
    _replace_thumbnail(current, poster)
    current.save(update_fields=["thumbnail", "updated_at"])
    return True


def _replace_thumbnail(session: WorkoutSession, poster: bytes) -> None:
    # As _replace_landmarks: the old file goes once the row naming the new one commits.
    delete_file_after_commit(session.thumbnail)
    session.thumbnail.save("poster.jpg", ContentFile(poster), save=False)


def _replace_landmarks(session: WorkoutSession, landmarks: bytes) -> None:
    # The new file is written first and the old one goes only once the row naming the new
    # one commits; a rollback leaves an orphan that media_orphans_purge removes.
    delete_file_after_commit(session.landmarks)
    session.landmarks.save("landmarks.bin", ContentFile(landmarks), save=False)


@transaction.atomic
def session_keep_landmarks(*, session_id: int, landmarks: bytes) -> bool:
    """Keeps landmarks made after the analysis (for a session analysed before they were
    kept, by a pose run over its video) unless the session has some by now; True if kept."""
    session = WorkoutSession.objects.select_for_update().filter(pk=session_id).first()
    if session is None or session.landmarks:
        return False
    _replace_landmarks(session, landmarks)
    session.save(update_fields=["landmarks"])  # not updated_at: no analysis changed
    return True


def session_landmarks_bytes(session: WorkoutSession) -> bytes | None:
    """The stored landmarks of the session's last analysis; None when it has none."""
    if not session.landmarks:
        return None
    with session.landmarks.open("rb") as stored:
        return stored.read()


@transaction.atomic
def session_replace_bouts(*, session_id: int, bouts: dict[int, dict]) -> WorkoutSession | None:
    """Replaces bouts of a finished session (by position, with the engine's bout fields: a
    corrected exercise, its new count and calories) and brings the stored result and the
    session's totals in line with them. None when the session is gone or not analysed."""
    session = WorkoutSession.objects.select_for_update().filter(pk=session_id).first()
    if session is None or session.status != SessionStatus.DONE or session.result is None:
        return None
    result = session.result
    for position, fields in bouts.items():
        result["bouts"][position] = {**result["bouts"][position], **fields}
        Bout.objects.filter(session=session, position=position).update(
            **{name: fields[name] for name in BOUT_RESULT_FIELDS if name in fields}
        )
    result["totals"] = _totals(result["bouts"])
    session.result = result
    session.total_kcal = result["totals"]["kcal"]
    session.active_s = result["totals"]["active_s"]
    session.total_reps = sum(result["totals"]["reps_by_exercise"].values())
    session.save(update_fields=["result", "total_kcal", "active_s", "total_reps", "updated_at"])
    return session


def _totals(bouts: list[dict]) -> dict:
    """A result's totals from its bouts, as the engine adds them up (holds count no reps)."""
    reps_by_exercise: dict[str, int] = {}
    for bout in bouts:
        if bout["hold_s"] is None:
            reps_by_exercise[bout["exercise"]] = (
                reps_by_exercise.get(bout["exercise"], 0) + bout["reps"]
            )
    return {
        "kcal": round(sum(b["kcal"] for b in bouts), 2),
        "active_s": round(sum(b["end_s"] - b["start_s"] for b in bouts), 2),
        "reps_by_exercise": reps_by_exercise,
    }


ORPHAN_AFTER = timedelta(days=1)


def media_orphans_purge() -> int:
    """Removes stored videos, posters, landmarks and partial uploads that no row names (and
    the files of other apps' folders, MEDIA_FOLDERS_NAMED_BY), a day after they were
    written (left by a crash between storing a file and committing its row, or in the
    middle of receiving it); returns how many. A file younger than that may belong to a
    transaction still open, or to an upload still arriving."""
    from django.core.files.storage import default_storage as storage

    cutoff = timezone.now() - ORPHAN_AFTER
    rows_naming = [
        ("videos", lambda name: WorkoutSession.objects.filter(video=name)),
        ("thumbnails", lambda name: WorkoutSession.objects.filter(thumbnail=name)),
        ("landmarks", lambda name: WorkoutSession.objects.filter(landmarks=name)),
        ("uploads/partial", lambda name: ChunkedUpload.objects.filter(pk=_uuid_or_none(name))),
        (INCOMING_UPLOADS_FOLDER, lambda name: WorkoutSession.objects.none()),
        # Other apps' folders (settings.MEDIA_FOLDERS_NAMED_BY: folder -> "module.function"
        # giving the rows that name a file), so workouts never imports them.
        *(
            (folder, import_string(rows))
            for folder, rows in getattr(settings, "MEDIA_FOLDERS_NAMED_BY", {}).items()
        ),
    ]
    removed = 0
    for folder, rows in rows_naming:
        for name in _stored_files(storage, folder):
            if storage.get_modified_time(name) < cutoff and not rows(name).exists():
                storage.delete(name)
                removed += 1
    return removed


def _uuid_or_none(name: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(Path(name).name)
    except ValueError:
        return None


def _stored_files(storage, folder: str):
    if not storage.exists(folder):
        return
    dirs, files = storage.listdir(folder)
    yield from (f"{folder}/{f}" for f in files)
    for d in dirs:
        yield from _stored_files(storage, f"{folder}/{d}")


def session_videos_purge_expired() -> int:
    return purge_under_lock(
        selectors.videos_past_retention, lambda session: session_delete_video(session=session)
    )
