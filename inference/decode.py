"""Streaming video decoding, resampled to a fixed analysis rate.

Frames are read one at a time (never the whole video in memory). Every source frame is
`grab()`-ed, but only the frames that land on the analysis grid are `retrieve()`-d and
converted, which is where most of the per-frame cost of OpenCV's read() goes.
"""

from __future__ import annotations

import math
import os
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from .errors import VideoDecodeError

#: Analysis rate used everywhere (landmark cache, heads, counting). 10 fps resolves the
#: fastest movements in the dataset (skipping rope, about 2.3 jumps/s) with 4+ samples per
#: cycle while keeping the pose backbone under budget.
ANALYSIS_FPS = 10.0

#: Longest side of frames handed to the pose backbone. BlazePose works on a 256 px crop,
#: so more resolution only costs resize time.
MAX_SIDE = 640

# Used when a container does not report a usable frame rate.
_FALLBACK_FPS = 30.0


@dataclass(frozen=True)
class VideoInfo:
    path: str
    fps: float  # source frame rate
    frame_count: int  # as reported by the container (may be approximate)
    width: int  # display size after rotation and aspect correction
    height: int
    duration_s: float  # frame_count / fps (refined by the decoder when it reaches the end)


@dataclass(frozen=True)
class Frame:
    index: int  # index on the analysis grid (0, 1, 2, ...)
    t: float  # seconds from the start of the video
    rgb: np.ndarray  # H x W x 3 uint8, RGB, longest side <= max_side


def _open(path: str) -> cv2.VideoCapture:
    if not os.path.exists(path):
        raise VideoDecodeError(f"video file not found: {path}")
    if os.path.getsize(path) == 0:
        raise VideoDecodeError(f"video file is empty (0 bytes): {path}")
    cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
    if not cap.isOpened():
        raise VideoDecodeError(f"not a readable video (OpenCV/FFmpeg cannot open it): {path}")
    # Phone videos store portrait footage as landscape + a rotation tag; apply it.
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    return cap


def _source_fps(cap: cv2.VideoCapture) -> float:
    fps = cap.get(cv2.CAP_PROP_FPS)
    if not fps or math.isnan(fps) or fps <= 0 or fps > 1000:
        return _FALLBACK_FPS
    return float(fps)


def _sample_aspect(cap: cv2.VideoCapture) -> float:
    """Pixel aspect ratio; some phone clips are stored anamorphic (non-square pixels)."""
    num, den = cap.get(cv2.CAP_PROP_SAR_NUM), cap.get(cv2.CAP_PROP_SAR_DEN)
    if num > 0 and den > 0:
        return float(num) / float(den)
    return 1.0


def probe(path: str) -> VideoInfo:
    """Read container metadata without decoding the stream."""
    cap = _open(path)
    try:
        fps = _source_fps(cap)
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        sar = _sample_aspect(cap)
        return VideoInfo(path, fps, max(n, 0), int(round(w * sar)), h, max(n, 0) / fps)
    finally:
        cap.release()


def _target_size(w: int, h: int, sar: float, max_side: int) -> tuple[int, int] | None:
    """Size to resize to (display aspect, longest side <= max_side), or None to keep."""
    dw = w * sar
    scale = min(1.0, max_side / max(dw, h))
    tw, th = int(round(dw * scale)), int(round(h * scale))
    if (tw, th) == (w, h):
        return None
    return max(tw, 2), max(th, 2)


class FrameStream:
    """Iterates `Frame`s at `fps` from a video file; `duration_s` is exact after iteration
    (of a stream with no `stop`).

    `start`/`stop`: only the analysis frames with start <= index < stop (a slice of the
    video: the source frames before it are grabbed, never converted)."""

    def __init__(
        self,
        path: str,
        fps: float = ANALYSIS_FPS,
        max_side: int = MAX_SIDE,
        start: int = 0,
        stop: int | None = None,
    ):
        self.path = str(path)
        self.fps = float(fps)
        self.max_side = max_side
        self.start, self.stop = start, stop
        self.info = probe(self.path)
        self.source_frames_read = 0
        self.duration_s = self.info.duration_s

    def __iter__(self) -> Iterator[Frame]:
        cap = _open(self.path)
        try:
            src_fps = _source_fps(cap)
            sar = _sample_aspect(cap)
            step = 1.0 / self.fps
            next_t = 0.0
            out_index = 0
            src_index = 0
            size = None
            while True:
                if not cap.grab():
                    break
                t = src_index / src_fps
                src_index += 1
                # Each grid time takes the first source frame at or after it (small epsilon so
                # 30 fps -> 10 fps takes exactly every third frame). A source slower than the
                # grid repeats frames, so the grid stays regular.
                if t + 1e-6 < next_t:
                    continue
                if self.stop is not None and out_index >= self.stop:
                    return
                while out_index < self.start and next_t <= t + 1e-6:  # before the slice
                    out_index += 1
                    next_t = out_index * step
                if next_t > t + 1e-6:  # nothing of the slice on this frame: no conversion
                    continue
                ok, bgr = cap.retrieve()
                if not ok or bgr is None:
                    continue
                if size is None:
                    size = _target_size(bgr.shape[1], bgr.shape[0], sar, self.max_side) or False
                if size:
                    bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                while next_t <= t + 1e-6:
                    if self.stop is None or out_index < self.stop:
                        yield Frame(out_index, out_index * step, rgb)
                    out_index += 1
                    next_t = out_index * step
            self.source_frames_read = src_index
            if src_index == 0:
                raise VideoDecodeError(f"no decodable video frames in: {self.path}")
            self.duration_s = src_index / src_fps
        finally:
            cap.release()


_END = object()


def prefetch(frames: Iterable[Frame], depth: int = 4) -> Iterator[Frame]:
    """Iterate `frames` (e.g. a `FrameStream`) decoded in a background thread, at most
    `depth` frames ahead.

    FFmpeg decoding and the pose interpreter both release the GIL, so on two cores the next
    frames decode while the pose model runs on this one. The bounded queue keeps memory
    flat; errors in the decoder (e.g. `VideoDecodeError`) are raised here, in order.
    """
    q: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        it = iter(frames)
        try:
            for fr in it:
                if not put(fr):
                    return
            put(_END)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()  # releases the VideoCapture now, not at garbage collection

    thread = threading.Thread(target=run, name="coach-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()  # the consumer stopped early (or finished): let the decoder end
        thread.join()
