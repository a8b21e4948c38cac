"""The pose backbone over a whole video file: one track, or slices of time side by side.

Tracking chains a video's frames (each frame's region of interest comes from the one
before), so one track is one sequential loop. Cut into slices, each tracked by its own
backbone with a one-thread interpreter, a video can keep several cores busy without
relying on the interpreter's own threads. Measured on a quiet 2-core machine, one track
with a two-thread interpreter is faster (slices took 16% more wall time and 7% more CPU:
the later slice decodes the video up to its start again and looks at the seconds before
it), so one track is the default; `COACH_POSE_SLICES` asks for more. `analyze_video` and
the landmark cache both read frames through here, so training sees the landmarks that
analysis sees.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from .decode import ANALYSIS_FPS, FrameStream, prefetch
from .pose import PoseBackbone, PoseFrame

#: A slice shorter than this is not worth another interpreter (its start-up and the
#: detection it begins with).
MIN_SLICE_S = 5.0


def default_slices() -> int:
    """Slices of a video tracked side by side: COACH_POSE_SLICES, else 1 (see above)."""
    return max(1, int(os.environ.get("COACH_POSE_SLICES", "1")))


@dataclass(frozen=True)
class PosedFrame:
    index: int  # on the analysis grid
    size: tuple[int, int]  # width, height of the frame the backbone saw
    pose: PoseFrame | None


def slice_bounds(duration_s: float, fps: float, workers: int) -> list[tuple[int, int | None]]:
    """Analysis-frame ranges [start, stop) of the slices (the last one open-ended, since
    a container's duration can be approximate)."""
    n = max(1, int(duration_s * fps))
    k = max(1, min(workers, int(duration_s // MIN_SLICE_S)))
    cuts = [round(i * n / k) for i in range(k + 1)]
    return [(cuts[i], cuts[i + 1] if i < k - 1 else None) for i in range(k)]


class PoseSlices:
    """Iterates `PosedFrame`s of a video in order; `duration_s` is exact after iteration.

    `backbone`: used as it is for a single slice; for several, backbones of its kind with
    one interpreter thread each are made (`with_threads`) and closed here. A backbone
    without `with_threads` always runs the video as one slice. A slice after the first
    starts with the backbone's `lead_in` on the frames before it, where it has one (which
    person to follow is chosen over a few seconds)."""

    def __init__(
        self,
        path: str,
        backbone: PoseBackbone,
        fps: float = ANALYSIS_FPS,
        workers: int | None = None,
    ):
        self.path, self.fps, self.backbone = str(path), float(fps), backbone
        self._whole = FrameStream(self.path, fps=self.fps)  # probes the file once
        self.info = self._whole.info
        self.duration_s = self._whole.duration_s
        if workers is None:
            workers = default_slices()
        if getattr(backbone, "with_threads", None) is None:
            workers = 1
        self.bounds = slice_bounds(self.info.duration_s, self.fps, workers)

    def __iter__(self) -> Iterator[PosedFrame]:
        if len(self.bounds) == 1:
            yield from self._one_track()
        else:
            yield from self._side_by_side()

    def _one_track(self) -> Iterator[PosedFrame]:
        stream = self._whole
        self.backbone.reset()
        # Decoding runs a few frames ahead in a thread while this one runs the pose model.
        for fr in prefetch(stream):
            size = (fr.rgb.shape[1], fr.rgb.shape[0])
            yield PosedFrame(fr.index, size, self.backbone.process(fr.rgb))
        self.duration_s = stream.duration_s

    def _side_by_side(self) -> Iterator[PosedFrame]:
        """Every slice decoded and tracked in its own thread (FFmpeg and the interpreter
        release the GIL); the first slice's frames are handed on as they come, the later
        ones' are kept until their turn (about 1 KB a frame)."""
        outs = [queue.Queue() for _ in self.bounds]
        stop = threading.Event()
        streams = [FrameStream(self.path, fps=self.fps, start=a, stop=b) for a, b in self.bounds]
        backbones = [self.backbone.with_threads(1) for _ in self.bounds]

        def track(stream: FrameStream, backbone: PoseBackbone, out: queue.Queue) -> None:
            try:
                lead_in(stream, backbone)
                for fr in stream:
                    if stop.is_set():
                        break
                    size = (fr.rgb.shape[1], fr.rgb.shape[0])
                    out.put(PosedFrame(fr.index, size, backbone.process(fr.rgb)))
                out.put(None)
            except BaseException as exc:  # raised in the consumer, in order
                out.put(exc)
            finally:
                backbone.close()

        threads = [
            threading.Thread(target=track, args=args, name=f"coach-pose-{i}", daemon=True)
            for i, args in enumerate(zip(streams, backbones, outs, strict=True))
        ]
        for t in threads:
            t.start()
        try:
            for out in outs:
                while (item := out.get()) is not None:
                    if isinstance(item, BaseException):
                        raise item
                    yield item
            self.duration_s = streams[-1].duration_s
        finally:
            stop.set()  # the consumer stopped early (or finished): let the slices end
            for t in threads:
                t.join()


def lead_in(stream: FrameStream, backbone: PoseBackbone) -> None:
    """The backbone's look at the frames before a slice (`lead_in`, one frame in its
    LEAD_IN_EVERY, the last one just before the slice), so the slice starts tracking whom
    the video before it would."""
    look = getattr(backbone, "lead_in", None)
    if look is None or stream.start == 0:
        return
    frames, every = backbone.LEAD_IN_FRAMES, backbone.LEAD_IN_EVERY
    first = max(0, stream.start - frames)
    before = FrameStream(stream.path, fps=stream.fps, start=first, stop=stream.start)
    for fr in before:
        if (stream.start - 1 - fr.index) % every == 0:
            look(fr.rgb)
