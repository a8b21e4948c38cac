"""State changes of live sessions: start, append landmarks, stop. The consumer and the
live tasks call these; the stored frames are the session's analysis input."""

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from celery.result import AsyncResult
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from inference import ANALYSIS_FPS, LandmarkSequence, PoseFrame, live_state
from users.models import User
from workouts import selectors
from workouts.live import video as live_video
from workouts.live.protocol import (
    pack_items,
    pack_rows,
    sequence_from_packed,
    unpack_items,
)
from workouts.models import (
    LiveBatch,
    LiveChunk,
    LiveStream,
    SessionSource,
    SessionStatus,
    WorkoutSession,
)
from workouts.services import session_enqueue_analysis
from workouts.tasks import live_chunk

log = logging.getLogger(__name__)

# How often a worker working on a batch says so (workouts/live/delivery.py listens).
LIVE_BATCH_BEAT_S = 0.5


class LiveSessionError(Exception):
    """Why a live session cannot be used; `close_code` is the WebSocket close code."""

    def __init__(self, close_code: int, code: str, detail: str):
        super().__init__(detail)
        self.close_code = close_code
        self.code = code
        self.detail = detail


def not_found() -> LiveSessionError:
    return LiveSessionError(4404, "not_found", "No such session.")


def not_live() -> LiveSessionError:
    return LiveSessionError(4409, "not_live", "This session is not live any more.")


def superseded() -> LiveSessionError:
    return LiveSessionError(
        4409, "superseded", "This session was resumed on another connection, which streams now."
    )


def live_session_start(
    *, user: User, title: str = "", notes: str = "", started_at=None, connection: str = ""
) -> WorkoutSession:
    """A new session in status `live`; raises django's ValidationError for bad fields and
    LiveSessionError(4429) beyond the per-user in-flight limit."""
    session = WorkoutSession(
        user=user,
        title=title,
        notes=notes,
        source=SessionSource.LIVE,
        status=SessionStatus.LIVE,
    )
    if started_at is not None:
        session.started_at = started_at
    session.full_clean(exclude=["video"])
    with transaction.atomic():
        # The user row lock serialises one user's new sessions (as uploads do).
        User.objects.select_for_update().filter(pk=user.pk).first()
        in_flight = selectors.sessions_in_flight_count(user=user)
        if in_flight >= settings.WORKOUTS_MAX_IN_FLIGHT:
            raise LiveSessionError(
                4429,
                "too_many_in_flight",
                f"You have {in_flight} sessions live or waiting for analysis; the limit is "
                f"{settings.WORKOUTS_MAX_IN_FLIGHT}. Stop one or wait until it is analysed.",
            )
        session.save()
        LiveStream.objects.create(
            session=session,
            body_metrics=selectors.body_metrics_at(user=user, at=session.started_at),
            state=live_state.initial(),
            connection=connection,
        )
    # Frames kept under this id can only be strays (a database restored to an older id
    # sequence, say); they must not end up in this session's video.
    live_video.discard_frames(session.pk)
    return session


def live_session_for_resume(*, user: User, session_id) -> WorkoutSession:
    """The caller's live session `session_id`; another user's session is not found."""
    try:
        session_id = int(session_id)
    except (TypeError, ValueError):
        raise not_found()
    session = selectors.session_list(user=user).filter(pk=session_id).first()
    if session is None:
        raise not_found()
    if session.status != SessionStatus.LIVE:
        raise not_live()
    return session


def _locked_live_stream(session_id: int) -> LiveStream | None:
    """The session's stream, locked until the transaction ends; None unless it is live."""
    return (
        LiveStream.objects.select_for_update()
        .filter(session_id=session_id, session__status=SessionStatus.LIVE)
        .first()
    )


def live_take_over(*, session_id: int, connection: str) -> LiveStream | None:
    """Makes `connection` the one streaming to the session (a resume); the stream, or None
    when the session is not live."""
    with transaction.atomic():
        stream = _locked_live_stream(session_id)
        if stream is not None:
            stream.connection = connection
            stream.save(update_fields=["connection"])
    return stream


def _check_connection(stream: LiveStream, connection: str | None) -> None:
    if connection is not None and stream.connection != connection:
        raise superseded()


def live_stream(*, session_id: int) -> LiveStream | None:
    return (
        LiveStream.objects.filter(session_id=session_id, session__status=SessionStatus.LIVE)
        .select_related("session")
        .first()
    )


@dataclass
class Placed:
    """A source frame's pose and the grid frames [first, last] it fills."""

    first: int
    last: int
    pose: PoseFrame | None
    jpeg: bytes | None = None  # the picture, kept for the session's video


@dataclass
class Appended:
    stream: LiveStream
    first_frame: int  # grid index of the first appended row
    rows: list[PoseFrame | None]
    jpegs: list[bytes | None]  # the picture of each row


def live_append(
    *,
    session_id: int,
    placed: list[Placed],
    received_s: float,
    frame_size=None,
    batch_id: int | None = None,
    new_state: Callable[[Appended], dict] | None = None,
    tracking: bytes | None = None,
) -> Appended | None:
    """Appends grid rows to the session's stored landmarks. Rows the store already has are
    dropped (a re-delivered task, or an old connection's last chunk landing after a resume),
    so every grid frame is stored once and in order. `new_state(appended)`, when given,
    computes the live estimate stored with them; `tracking`, the pose backbone's tracking
    after them. One transaction (one commit) for all of it:
    a chunk costs few round trips. None when the session is not live."""
    with transaction.atomic():
        stream = _locked_live_stream(session_id)
        if stream is None:
            return None
        start = stream.frames
        rows: list[PoseFrame | None] = []
        jpegs: list[bytes | None] = []
        for item in placed:
            for _ in range(max(item.first, start + len(rows)), item.last + 1):
                rows.append(item.pose)
                jpegs.append(item.jpeg)
        if rows:
            LiveChunk.objects.create(
                stream=stream,
                seq=stream.chunks,
                first_frame=start,
                frame_count=len(rows),
                landmarks=pack_rows(rows),
            )
            stream.frames += len(rows)
            stream.chunks += 1
        stream.received_s = max(stream.received_s, received_s)
        if frame_size and not stream.frame_width:
            stream.frame_width, stream.frame_height = frame_size
        stream.last_activity_at = timezone.now()
        appended = Appended(stream, start, rows, jpegs)
        if new_state is not None:
            stream.state = new_state(appended)
        if tracking is not None:
            stream.tracking = tracking
        stream.save(
            update_fields=[
                "tracking",
                "frames",
                "chunks",
                "received_s",
                "frame_width",
                "frame_height",
                "last_activity_at",
                "state",
            ]
        )
        if batch_id is not None:  # analysed: in the same transaction as its rows
            LiveBatch.objects.filter(pk=batch_id).delete()
    return appended


def live_stage_batch(
    *, session_id: int, items: list[dict], connection: str | None = None
) -> int | None:
    """Keeps received items until a worker takes them; the id of their row, or None when
    the session is not live. Raises LiveSessionError when `connection` was superseded."""
    stream = LiveStream.objects.filter(
        session_id=session_id, session__status=SessionStatus.LIVE
    ).first()
    if stream is None:
        return None
    _check_connection(stream, connection)
    return LiveBatch.objects.create(stream=stream, payload=pack_items(items)).pk


def live_batch_enqueue(*, session_id: int, batch_id: int) -> AsyncResult:
    """Queues a staged batch for a worker (task workouts.live_chunk, queue `live`); the
    consumer polls the result, which is the live update."""
    return live_chunk.apply_async(args=[session_id, batch_id])


def _live_batch_beat(batch_id: int) -> bool:
    """One beat; False once the batch is gone (analysed, or its session deleted). A beat
    that fails is only a missed beat: at worst the batch is sent again, which is harmless."""
    try:
        return LiveBatch.objects.filter(pk=batch_id).update(beats=F("beats") + 1) > 0
    except DatabaseError:  # a busy or restarting database: the next beat may get through
        log.warning("live batch %s: a heartbeat failed", batch_id, exc_info=True)
        return True


@contextlib.contextmanager
def live_batch_heartbeat(*, batch_id: int, every_s: float = LIVE_BATCH_BEAT_S) -> Iterator[None]:
    """Marks a staged batch as taken and keeps it beating while the block runs, so the
    consumer waiting for it can tell a working worker from a dead one (a worker killed
    mid-batch stops beating; its message may come back only much later, if at all)."""
    _live_batch_beat(batch_id)
    stopped = threading.Event()

    def beat_until_stopped():
        try:
            while not stopped.wait(every_s):
                if not _live_batch_beat(batch_id):
                    return
        finally:
            connection.close()  # this thread's own connection

    beating = threading.Thread(
        target=beat_until_stopped, name=f"live-batch-{batch_id}-heartbeat", daemon=True
    )
    beating.start()
    try:
        yield
    finally:
        stopped.set()


def live_batch_beats(*, batch_id: int) -> int | None:
    """How often the workers working on a staged batch have beaten (0: none has taken it
    yet); None once it has been analysed (its rows are stored and the row is gone)."""
    return LiveBatch.objects.filter(pk=batch_id).values_list("beats", flat=True).first()


def live_staged_batch_ids(*, session_id: int) -> list[int]:
    return list(
        LiveBatch.objects.filter(stream__session_id=session_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def live_batch_items(*, batch_id: int) -> list[dict] | None:
    """The items of a staged batch; None once it has been analysed (a redelivered task)."""
    payload = LiveBatch.objects.filter(pk=batch_id).values_list("payload", flat=True).first()
    return None if payload is None else unpack_items(payload)


def live_packed_chunks(*, stream: LiveStream, from_frame: int = 0) -> list[tuple[int, bytes]]:
    """(first grid frame, packed rows) of the stored chunks holding frames at or after
    `from_frame`, in order."""
    rows = (
        LiveChunk.objects.filter(stream=stream)
        .annotate(end_frame=F("first_frame") + F("frame_count"))
        .filter(end_frame__gt=from_frame)
        .order_by("seq")
        .values_list("first_frame", "landmarks")
    )
    return [(first, bytes(data)) for first, data in rows]


def live_sequence(*, stream: LiveStream, from_frame: int = 0) -> LandmarkSequence:
    """The stored landmarks from grid frame `from_frame` to the newest one."""
    chunks = live_packed_chunks(stream=stream, from_frame=from_frame)
    size = (stream.frame_width, stream.frame_height)
    sequence = sequence_from_packed([data for _, data in chunks], size)
    skip = from_frame - chunks[0][0] if chunks else 0
    return sequence.between(skip, len(sequence)) if skip > 0 else sequence


def live_session_stop(*, session_id: int, connection: str | None = None) -> WorkoutSession | None:
    """Ends the live part: the session waits for its analysis like an upload. Safe to call
    twice; None when the session is gone. Raises LiveSessionError when `connection` was
    superseded (only the connection streaming now may stop it)."""
    with transaction.atomic():
        session = WorkoutSession.objects.select_for_update().filter(pk=session_id).first()
        if session is None:
            return None
        if session.status == SessionStatus.LIVE:
            stream = LiveStream.objects.get(session=session)
            _check_connection(stream, connection)
            session.status = SessionStatus.PENDING
            session.progress = 0.0
            session.duration_s = stream.frames / ANALYSIS_FPS
            session.save(update_fields=["status", "progress", "duration_s", "updated_at"])
            session_enqueue_analysis(session)
    return session


def idle_live_sessions():
    cutoff = timezone.now() - timedelta(seconds=settings.LIVE_IDLE_TIMEOUT_S)
    return WorkoutSession.objects.filter(
        status=SessionStatus.LIVE, live_stream__last_activity_at__lt=cutoff
    )


def live_sessions_stop_idle(before_stop=None) -> int:
    """Stops live sessions nobody has streamed to for LIVE_IDLE_TIMEOUT_S; `before_stop`
    (session id) runs first, for what is still staged."""
    stopped = 0
    for session_id in idle_live_sessions().values_list("pk", flat=True):
        if before_stop is not None:
            before_stop(session_id)
        if live_session_stop(session_id=session_id) is not None:
            stopped += 1
    return stopped


def live_touch(*, session_id: int) -> None:
    """A connected client counts as activity even while it sends nothing."""
    LiveStream.objects.filter(session_id=session_id).update(last_activity_at=timezone.now())
