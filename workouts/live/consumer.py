"""The live WebSocket endpoint (docs/live-protocol.md). It runs in the web process and does
nothing heavy: it checks messages, places frames on the analysis grid (dropping the ones
that would fill no new grid frame) and hands them to Celery workers in chunks.

At most one chunk per session is in flight: when it comes back, everything received
meanwhile goes as the next chunk. Chunks are therefore analysed in order, any worker can
take any of them, and a slow moment makes the next chunk bigger rather than the queue
longer. The consumer waits for a chunk by polling its Celery result, which works on every
result backend (Redis, or the embedded default's files) with no channel layer between the
worker and the web process. A batch whose worker died is sent again within seconds
(`delivery`: the worker beats on the batch while it works).
"""

import asyncio
import json
import logging
import time
import uuid

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from coach.sockets import AuthenticatedJsonConsumer
from workouts.live import services as live_services
from workouts.live.delivery import BatchWatch
from workouts.live.protocol import (
    LiveInputError,
    check_pose,
    check_size,
    check_time,
    frame_item,
    grid_slot,
    landmarks_item,
    parse_frame,
)

log = logging.getLogger(__name__)

RESULT_POLL_S = 0.02
BROKER_RETRY_S = 1.0  # a broker or result store away: the batch is sent again this soon
MAX_CHUNK_ITEMS = 60  # ~6 s of grid frames per task; more waits for the next one
MAX_BUFFERED_ITEMS = 600  # ~1 minute behind: beyond it the server is overloaded
FLUSH_ON_DISCONNECT_S = 8.0  # daphne gives a closed connection's consumer 10 s
UPDATE_FIELDS = ("elapsed_s", "exercise", "reps", "kcal", "person_visible")


@database_sync_to_async
def _session_data(session_id: int) -> dict:
    from workouts.models import WorkoutSession
    from workouts.serializers import SessionDetailSerializer

    session = WorkoutSession.objects.prefetch_related("bouts").get(pk=session_id)
    return json.loads(json.dumps(SessionDetailSerializer(session).data))


@database_sync_to_async
def _session_exists(session_id: int) -> bool:
    from workouts.models import WorkoutSession

    return WorkoutSession.objects.filter(pk=session_id).exists()


class LiveSessionConsumer(AuthenticatedJsonConsumer):
    # Results come back as Celery results, so a socket needs no channel layer (with Redis,
    # a subscription would hold one connection per socket).
    input_errors = (LiveInputError,)

    def setup(self):
        self.session_id: int | None = None
        # This socket's name on the sessions it streams to: a resume elsewhere supersedes it.
        self.connection = uuid.uuid4().hex
        self.pump: asyncio.Task | None = None

    async def on_disconnect(self):
        # A dropped connection keeps what was received: finish the chunks in hand.
        if self.pump is not None and not self.pump.done():
            try:
                await asyncio.wait_for(asyncio.shield(self.pump), FLUSH_ON_DISCONNECT_S)
            except (TimeoutError, asyncio.CancelledError):
                log.warning("live session %s: buffered frames lost on disconnect", self.session_id)

    async def fail(self, close_code: int, code: str, detail: str):
        self.session_id = None
        await super().fail(close_code, code, detail)

    # --- receiving ------------------------------------------------------------------

    def handlers(self) -> dict:
        return {
            "start": self.on_start,
            "resume": self.on_resume,
            "landmarks": self.on_landmarks,
            "stop": self.on_stop,
        }

    async def on_start(self, message):
        self._ensure_no_session()
        fields = {}
        for name in ("title", "notes"):
            if name in message:
                if not isinstance(message[name], str):
                    raise LiveInputError("invalid", f"`{name}` must be a string.")
                fields[name] = message[name]
        if message.get("started_at") is not None:
            started_at = (
                parse_datetime(message["started_at"])
                if isinstance(message["started_at"], str)
                else None
            )
            if started_at is None or started_at.tzinfo is None:
                raise LiveInputError(
                    "invalid", "`started_at` must be an ISO 8601 time with a time zone."
                )
            fields["started_at"] = started_at
        try:
            session = await database_sync_to_async(live_services.live_session_start)(
                user=self.user, connection=self.connection, **fields
            )
        except ValidationError as error:
            detail = " ".join(
                f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
            )
            raise LiveInputError("invalid", detail)
        except live_services.LiveSessionError as error:
            return await self.fail(error.close_code, error.code, error.detail)
        self._attach(session.pk, frames=0, received_s=None)
        data = await _session_data(session.pk)
        await self.send_json({"type": "started", "session": data, "received_s": 0.0})

    async def on_resume(self, message):
        self._ensure_no_session()
        try:
            session = await database_sync_to_async(live_services.live_session_for_resume)(
                user=self.user, session_id=message.get("session")
            )
        except live_services.LiveSessionError as error:
            return await self.fail(error.close_code, error.code, error.detail)
        # From now on this socket streams: an older one still open is refused from its next
        # frame on (and cannot stop the session).
        stream = await database_sync_to_async(live_services.live_take_over)(
            session_id=session.pk, connection=self.connection
        )
        if stream is None:  # stopped in between
            return await self.fail(4409, "not_live", "This session is not live any more.")
        received = stream.received_s if stream.frames else None
        self._attach(session.pk, frames=stream.frames, received_s=received)
        data = await _session_data(session.pk)
        await self.send_json({"type": "resumed", "session": data, "received_s": stream.received_s})

    def _ensure_no_session(self):
        if self.session_id is not None:
            raise LiveInputError("already_started", "Stop the current session first.")

    def _attach(self, session_id: int, *, frames: int, received_s: float | None):
        self.session_id = session_id
        self.last_t = received_s  # newest client time seen; times must increase past it
        self.last_slot = frames - 1  # newest grid frame that has a source frame
        self.buffer: list[dict] = []
        self.last_update: dict | None = None
        self.overload_reported_at = 0.0

    def _ensure_session(self):
        if self.session_id is None:
            raise LiveInputError("no_session", "Send `start` or `resume` first.")

    def _accept_time(self, t) -> float:
        t = check_time(t, previous_t=self.last_t, max_duration_s=settings.WORKOUTS_MAX_DURATION_S)
        self.last_t = t
        return t

    async def on_binary(self, data: bytes):  # a camera frame
        try:
            self._ensure_session()
            t, jpeg = parse_frame(data)
            t = self._accept_time(t)
        except LiveInputError as error:
            return await self.send_error(error.code, error.detail)
        await self._enqueue(t, lambda: frame_item(t, jpeg))

    async def on_landmarks(self, message):
        self._ensure_session()
        pose = check_pose(message.get("pose"))
        size = check_size(message.get("size"))
        t = self._accept_time(message.get("t"))
        await self._enqueue(t, lambda: landmarks_item(t, pose, size))

    async def _enqueue(self, t: float, make_item):
        slot = grid_slot(t)
        if slot <= self.last_slot:
            # Fills no new grid frame: the analysis would skip it too. Nothing to send, but
            # an update is due for it once the frames before it are in.
            return
        if len(self.buffer) >= MAX_BUFFERED_ITEMS:
            now = time.monotonic()
            if now - self.overload_reported_at > 1.0:
                self.overload_reported_at = now
                await self.send_error(
                    "overloaded", "The analysis is falling behind; frames are being dropped."
                )
            self.last_slot = slot
            return
        self.last_slot = slot
        self.buffer.append(make_item())
        if self.pump is None or self.pump.done():
            self.pump = asyncio.create_task(self._pump(self.session_id))

    async def on_stop(self, message):
        self._ensure_session()
        session_id = self.session_id
        if self.pump is not None:
            await self.pump
        if self.last_t is not None:  # frames came (on this connection or before a resume)
            await self._last_update(session_id)
        try:
            session = await database_sync_to_async(live_services.live_session_stop)(
                session_id=session_id, connection=self.connection
            )
        except live_services.LiveSessionError as error:
            return await self.fail(error.close_code, error.code, error.detail)
        self.session_id = None
        if session is None:
            return await self.fail(4404, "not_found", "No such session.")
        data = await _session_data(session_id)
        await self.send_json({"type": "stopped", "session": data})

    async def _last_update(self, session_id: int):
        """The estimate brought up to the newest frame (an empty chunk), so the last update
        before `stopped` has seen every frame; the stop goes on whatever happens here."""
        try:
            result = await self._run_chunk(session_id, [])
        except Exception:
            log.warning("live session %s: the last update failed", session_id, exc_info=True)
            return
        if result.get("status") == "live":
            await self._send_update(session_id, result, self.last_t)

    # --- chunks ---------------------------------------------------------------------

    async def _pump(self, session_id: int):
        """Sends the buffer as chunks, one at a time, until it is empty."""
        while self.buffer:
            items = self.buffer[:MAX_CHUNK_ITEMS]
            del self.buffer[:MAX_CHUNK_ITEMS]
            # Frames up to here are in this chunk or fill no grid frame (skipped); with more
            # left in the buffer, only up to the chunk's last one.
            covered_t = items[-1]["t"] if self.buffer else self.last_t
            try:
                result = await self._run_chunk(session_id, items)
            except live_services.LiveSessionError as error:  # superseded by a resume
                self.buffer.clear()
                return await self.fail(error.close_code, error.code, error.detail)
            except Exception:
                log.exception("live chunk of session %s failed", session_id)
                await self.send_error("analysis_error", "A chunk of frames failed to analyse.")
                continue
            if result.get("status") != "live":
                log.warning("live session %s: a chunk came back %r", session_id, result)
                self.buffer.clear()
                if await _session_exists(session_id):
                    return await self.fail(4409, "not_live", "This session is not live any more.")
                return await self.fail(4404, "not_found", "No such session.")
            await self._send_update(session_id, result, covered_t)

    async def _run_chunk(self, session_id: int, items: list[dict]) -> dict:
        batch_id = await database_sync_to_async(live_services.live_stage_batch)(
            session_id=session_id, items=items, connection=self.connection
        )
        if batch_id is None:
            return {"status": "not_live"}
        watch = None
        while True:
            try:
                # (Through the database thread: with eager Celery in tests, the task runs
                # here.)
                pending = await database_sync_to_async(live_services.live_batch_enqueue)(
                    session_id=session_id, batch_id=batch_id
                )
            except Exception as error:  # the broker restarting, most likely
                await self._broker_away(session_id, error)
                continue
            if watch is None:
                watch = BatchWatch(sent_at=time.monotonic())
            else:
                watch.sent_again(time.monotonic())
            while True:
                try:
                    ready = await sync_to_async(pending.ready, thread_sensitive=False)()
                except Exception as error:
                    # The result store restarting: an answer stored in it may be gone, so
                    # the batch is sent again (analysed already, it answers the state).
                    await self._broker_away(session_id, error)
                    reason = "its result could not be read"
                    break
                if ready:
                    outcome = pending.result
                    failed = pending.failed()
                    await sync_to_async(pending.forget, thread_sensitive=False)()
                    if failed:
                        raise RuntimeError(f"live chunk task failed: {outcome!r}")
                    return outcome
                await asyncio.sleep(RESULT_POLL_S)
                if watch.check_due(time.monotonic()):
                    beats = await database_sync_to_async(live_services.live_batch_beats)(
                        batch_id=batch_id
                    )
                    reason = watch.lost(beats, time.monotonic())
                    if reason is not None:
                        break
            # Lost on the way: send it again; a batch is analysed once however often it runs.
            log.warning("live chunk of session %s lost (%s); sending it again", session_id, reason)

    async def _broker_away(self, session_id: int, error: Exception) -> None:
        """The batch is staged in the database, so a broker or result store that cannot be
        reached costs a wait, never the batch: dropping it would lose its frames for good
        (the next batch moves the session past them)."""
        log.warning(
            "live chunk of session %s: broker or result store unreachable (%s); sending it "
            "again in %s s", session_id, error, BROKER_RETRY_S,
        )  # fmt: skip
        await asyncio.sleep(BROKER_RETRY_S)

    async def _send_update(self, session_id: int, result: dict, covered_t: float | None):
        if result.get("bad_frames"):
            await self.send_error(
                "bad_frame", f"{result['bad_frames']} frame(s) could not be decoded as JPEG."
            )
        values = {name: result[name] for name in UPDATE_FIELDS}
        if values == self.last_update:
            return
        self.last_update = values
        await self.send_json({"type": "update", "session": session_id, **values, "t": covered_t})
