"""One chunk of a live session on a Celery worker: frames through the pose backbone onto the
analysis grid, stored, and the live estimate brought up to date.

A worker keeps a little per-session state (the pose backbone, whose tracking carries over
from frame to frame, the recent landmarks and the window classifier's recent outputs) in a
small LRU. It is only a cache: a worker that has not run the session's previous chunk
rebuilds it from the database (the stored landmarks, and the tracking state stored with
them), so any worker can take any chunk and the landmarks are the ones a single worker would
have found. The chunk's camera frames are kept for the session's video
(workouts/live/video.py).
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from inference import (
    ANALYSIS_FPS,
    LandmarkSequence,
    PoseBackbone,
    default_backbone,
    live_state,
)
from workouts.analysis import custom_model_for
from workouts.live import services as live_services
from workouts.live import video as live_video
from workouts.live.protocol import (
    appended,
    decode_jpeg,
    grid_slot,
    item_jpeg,
    pose_frame,
)

CACHED_SESSIONS = 8
# A source frame fills the grid frames since the previous one (a slow camera repeats
# frames, as the file decoder does) unless the previous one is longer ago than this.
MAX_HELD_S = 1.0
HORIZON_FRAMES = int(live_state.HORIZON_S * ANALYSIS_FPS)


@dataclass
class _SessionCache:
    backbone: PoseBackbone | None = None
    tracked_until: int = -1  # grid frames stored when `backbone` last saw a frame
    window: LandmarkSequence | None = None  # the newest stored grid frames
    window_end: int = -1  # grid index just after `window`
    # The window classifier's outputs of earlier refreshes (a refresh elsewhere in between
    # leaves it valid: stored frames never change).
    windows: live_state.WindowMemo = field(default_factory=live_state.WindowMemo)
    # The user's own exercises, read once per stream on this worker (a model trained
    # meanwhile reaches the saved analysis, which reads it at the stop).
    custom: object | None = None
    custom_read: bool = False

    def custom_model(self, stream):
        if not self.custom_read:
            self.custom, self.custom_read = custom_model_for(stream.session.user), True
        return self.custom

    def pose_model(self, stream) -> PoseBackbone:
        """The session's backbone, tracking from the newest stored frame on: when other
        workers took the chunks since this one last did, their stored tracking state."""
        if self.backbone is None:
            self.backbone = default_backbone()
        if self.tracked_until != stream.frames:
            restore = getattr(self.backbone, "restore_tracking", None)
            if restore is not None:
                restore(bytes(stream.tracking or b""))
            else:  # a backbone that cannot hand its tracking on starts over
                self.backbone.reset()
            self.tracked_until = stream.frames
        return self.backbone

    def tracking_state(self) -> bytes | None:
        export = getattr(self.backbone, "tracking_state", None)
        return export() if export is not None else None

    def close(self) -> None:
        if self.backbone is not None:
            self.backbone.close()


_cache: OrderedDict[int, _SessionCache] = OrderedDict()
_cache_lock = threading.Lock()


def _session_cache(session_id: int) -> _SessionCache:
    with _cache_lock:
        entry = _cache.pop(session_id, None) or _SessionCache()
        _cache[session_id] = entry
        while len(_cache) > CACHED_SESSIONS:
            _, evicted = _cache.popitem(last=False)
            evicted.close()
        return entry


def forget_session(session_id: int) -> None:
    with _cache_lock:
        entry = _cache.pop(session_id, None)
    if entry is not None:
        entry.close()


def _place(items: list[dict], stream, cache: _SessionCache):
    """Grid placement (the file decoder's rule) and poses of the frames that fill new grid
    frames; the others are not decoded at all. Also whether the pose backbone ran."""
    placed, bad_frames, size, posed = [], 0, None, False
    next_frame, previous_t = stream.frames, stream.received_s
    for item in items:
        last = grid_slot(item["t"])
        if last < next_frame:
            continue
        if item["t"] - previous_t > MAX_HELD_S and last > next_frame:
            # A gap in the stream (a dropped connection, a stalled camera): nothing was seen
            # there. Holding the next picture over it would fake a still person, then a jump.
            placed.append(live_services.Placed(next_frame, last - 1, None))
            next_frame = last
        jpeg = item_jpeg(item)
        if jpeg is not None:
            rgb = decode_jpeg(jpeg)
            if rgb is None:
                bad_frames += 1
                continue
            size = size or (rgb.shape[1], rgb.shape[0])
            pose, posed = cache.pose_model(stream).process(rgb), True
        else:
            pose = pose_frame(item["pose"])
            size = size or item.get("size")
        placed.append(live_services.Placed(next_frame, last, pose, jpeg))
        next_frame, previous_t = last + 1, item["t"]
    return placed, bad_frames, size, posed


def _window(cache: _SessionCache, added: live_services.Appended) -> LandmarkSequence:
    stream = added.stream
    if cache.window is not None and cache.window_end == added.first_frame:
        window = appended(cache.window, added.rows)
    else:  # new to this worker, or another worker stored chunks meanwhile
        window = live_services.live_sequence(
            stream=stream, from_frame=max(0, stream.frames - HORIZON_FRAMES)
        )
    if len(window) > HORIZON_FRAMES:
        window = window.between(len(window) - HORIZON_FRAMES, len(window))
    window.frame_size = (stream.frame_width, stream.frame_height)
    cache.window, cache.window_end = window, stream.frames
    return window


def ingest_batch(*, session_id: int, batch_id: int) -> dict:
    """Analyses a staged batch (items in client-time order, as the consumer received them),
    stores its rows and answers the live update. An empty batch (sent on stop) brings the
    estimate up to the newest frame."""
    stream = live_services.live_stream(session_id=session_id)
    if stream is None:
        forget_session(session_id)
        return {"status": "not_live"}
    # None: analysed already (a redelivered task); the answer is the current state.
    staged = live_services.live_batch_items(batch_id=batch_id)
    items, final = staged or [], staged == []  # an empty batch is the stop's
    cache = _session_cache(session_id)
    placed, bad_frames, size, posed = _place(items, stream, cache)
    newest_t = max((item["t"] for item in items), default=stream.received_s)

    def new_state(added: live_services.Appended) -> dict:
        # Inside the append's transaction, so the rows and the estimate land together.
        window = _window(cache, added)
        state = added.stream.state or live_state.initial()
        frames = added.stream.frames
        if len(window) and live_state.refresh_due(state, frames, ANALYSIS_FPS, final=final):
            state = live_state.refreshed(
                state,
                window,
                frames - len(window),
                added.stream.body_metrics,
                cache.windows,
                cache.custom_model(added.stream),
            )
        return state

    added = live_services.live_append(
        session_id=session_id,
        placed=placed,
        received_s=newest_t,
        frame_size=size,
        batch_id=batch_id,
        new_state=new_state,
        tracking=cache.tracking_state() if posed else None,
    )
    if added is None:
        forget_session(session_id)
        return {"status": "not_live"}
    if posed:
        cache.tracked_until = added.stream.frames
    stream, window, state = added.stream, cache.window, added.stream.state
    live_video.store_frames(session_id=session_id, first_frame=added.first_frame, jpegs=added.jpegs)
    return {
        "status": "live",
        "frames": stream.frames,
        "received_s": stream.received_s,
        "elapsed_s": round(stream.frames / ANALYSIS_FPS, 3),
        "exercise": state["exercise"],
        "reps": state["reps"],
        "kcal": state["kcal"],
        "person_visible": bool(window.present[-1]) if len(window) else False,
        "bad_frames": bad_frames,
    }


def ingest_leftovers(*, session_id: int) -> int:
    """Analyses batches a consumer staged but never saw analysed (its web process went away
    mid-stream), oldest first; the number of batches."""
    batch_ids = live_services.live_staged_batch_ids(session_id=session_id)
    for batch_id in batch_ids:
        ingest_batch(session_id=session_id, batch_id=batch_id)
    return len(batch_ids)
