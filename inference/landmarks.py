"""Per-video landmark sequences, their extraction from video, and an on-disk cache.

The cache (npz per clip, keyed by clip id + backbone version + analysis fps) lets training
and evaluation skip the pose backbone, which is ~95% of the cost of analysing a video.
"""

from __future__ import annotations

import json
import lzma
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .decode import ANALYSIS_FPS
from .pose import N_LANDMARKS, PoseBackbone, PoseFrame
from .pose_slices import PoseSlices

#: Default cache location: <repo>/.cache/landmarks (gitignored).
DEFAULT_CACHE_DIR = Path(
    os.environ.get(
        "COACH_LANDMARK_CACHE", Path(__file__).resolve().parent.parent / ".cache" / "landmarks"
    )
)


@dataclass
class LandmarkSequence:
    """Landmarks on a regular time grid; rows without a person are NaN, present=False."""

    fps: float
    image: np.ndarray  # (N, 33, 3)
    visibility: np.ndarray  # (N, 33)
    world: np.ndarray  # (N, 33, 3)
    present: np.ndarray  # (N,) bool
    frame_size: tuple[int, int]  # (width, height) of the analysed frames
    duration_s: float

    def __len__(self) -> int:
        return len(self.present)

    @property
    def t(self) -> np.ndarray:
        return np.arange(len(self)) / self.fps

    @classmethod
    def empty(cls, fps: float, frame_size=(0, 0)) -> LandmarkSequence:
        return cls(
            fps,
            np.zeros((0, N_LANDMARKS, 3), np.float32),
            np.zeros((0, N_LANDMARKS), np.float32),
            np.zeros((0, N_LANDMARKS, 3), np.float32),
            np.zeros(0, bool),
            frame_size,
            0.0,
        )

    @classmethod
    def from_frames(
        cls, frames: list[PoseFrame | None], fps: float, frame_size, duration_s
    ) -> LandmarkSequence:
        n = len(frames)
        image = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
        vis = np.zeros((n, N_LANDMARKS), np.float32)
        world = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
        present = np.zeros(n, bool)
        for i, f in enumerate(frames):
            if f is not None:
                image[i], vis[i], world[i], present[i] = f.image, f.visibility, f.world, True
        return cls(fps, image, vis, world, present, tuple(frame_size), float(duration_s))

    def between(self, a: int, b: int) -> LandmarkSequence:
        """Frames [a, b) as a sequence of their own (views, not copies)."""
        return LandmarkSequence(
            self.fps,
            self.image[a:b],
            self.visibility[a:b],
            self.world[a:b],
            self.present[a:b],
            self.frame_size,
            (b - a) / self.fps,
        )

    def frame(self, i: int) -> PoseFrame | None:
        if not self.present[i]:
            return None
        return PoseFrame(self.image[i], self.visibility[i], self.world[i])

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(
            tmp,
            fps=self.fps,
            image=self.image,
            visibility=self.visibility,
            world=self.world,
            present=self.present,
            frame_size=np.array(self.frame_size),
            duration_s=self.duration_s,
        )
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> LandmarkSequence:
        z = np.load(path)
        return cls(
            float(z["fps"]),
            z["image"],
            z["visibility"],
            z["world"],
            z["present"].astype(bool),
            tuple(int(v) for v in z["frame_size"]),
            float(z["duration_s"]),
        )

    def to_bytes(self) -> bytes:
        """A compact, pickle-free serialisation for storing a session's landmarks once at
        analysis time (about 0.2 KB per frame against 0.9 KB in memory): only frames with a
        person; image coordinates in 1/4096 of the frame, world coordinates in millimetres
        and visibility in 1/255 steps, each as int16 differences from the previous frame
        (which compress several times better than the values), LZMA-compressed behind a
        JSON header. `from_bytes` gives it back."""
        rows = self.present
        meta = {
            "fps": float(self.fps),
            "frame_size": [int(v) for v in self.frame_size],
            "duration_s": float(self.duration_s),
            "frames": len(self),
            "present": int(rows.sum()),
        }
        parts = [np.packbits(rows).tobytes()]
        for values, step in (
            (self.image[rows], IMAGE_STEP),
            (self.world[rows], WORLD_STEP),
            (self.visibility[rows], VISIBILITY_STEP),
        ):
            q = _quantised(values, step)
            # modular int16 differences: the running sum in int16 gives the values back
            parts.append(np.diff(q, axis=0, prepend=np.zeros_like(q[:1])).tobytes())
        header = json.dumps(meta).encode()
        body = lzma.compress(b"".join(parts), preset=6)
        return FORMAT_MAGIC + len(header).to_bytes(4, "little") + header + body

    @classmethod
    def from_bytes(cls, data: bytes) -> LandmarkSequence:
        if data[: len(FORMAT_MAGIC)] != FORMAT_MAGIC:
            raise ValueError("not a landmark sequence made by LandmarkSequence.to_bytes")
        at = len(FORMAT_MAGIC)
        size = int.from_bytes(data[at : at + 4], "little")
        meta = json.loads(data[at + 4 : at + 4 + size])
        raw = lzma.decompress(data[at + 4 + size :])
        n, m = int(meta["frames"]), int(meta["present"])
        flags = (n + 7) // 8
        present = np.unpackbits(np.frombuffer(raw[:flags], np.uint8), count=n).astype(bool)
        arrays, at = [], flags
        for shape, step in (
            ((m, N_LANDMARKS, 3), IMAGE_STEP),
            ((m, N_LANDMARKS, 3), WORLD_STEP),
            ((m, N_LANDMARKS), VISIBILITY_STEP),
        ):
            count = int(np.prod(shape))
            d = np.frombuffer(raw[at : at + 2 * count], np.int16).reshape(shape)
            arrays.append(np.cumsum(d, axis=0, dtype=np.int16).astype(np.float32) * step)
            at += 2 * count
        image = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
        world = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
        vis = np.zeros((n, N_LANDMARKS), np.float32)
        image[present], world[present], vis[present] = arrays
        return cls(
            float(meta["fps"]),
            image,
            vis,
            world,
            present,
            tuple(meta["frame_size"]),
            float(meta["duration_s"]),
        )


#: to_bytes: the serialised format's first bytes, and its quantisation steps.
FORMAT_MAGIC = b"coach-landmarks-1\n"
IMAGE_STEP = 1 / 4096  # of the frame (0.16 px at 640 px)
WORLD_STEP = 1e-3  # metres
VISIBILITY_STEP = 1 / 255


def _quantised(values: np.ndarray, step: float) -> np.ndarray:
    q = np.round(np.nan_to_num(values, nan=0.0) / step)
    return np.clip(q, -32768, 32767).astype(np.int16)


ProgressFn = Callable[[float], None]

#: The cache holds landmarks tracked as analysis tracks them by default (one track,
#: `pose_slices.default_slices`), whatever COACH_POSE_SLICES says where it is filled.
CACHE_SLICES = 1


def extract_landmarks(
    path: str,
    backbone: PoseBackbone,
    fps: float = ANALYSIS_FPS,
    progress: ProgressFn | None = None,
    on_frame: Callable[[int, PoseFrame | None], None] | None = None,
    workers: int | None = None,
):
    """Decode `path` and run the backbone on every analysis frame (in slices of time
    side by side: `PoseSlices`).

    Returns (LandmarkSequence, stats) where stats has the wall seconds and the slices.
    """
    video = PoseSlices(path, backbone, fps=fps, workers=workers)
    frames: list[PoseFrame | None] = []
    expected = max(1, int(video.info.duration_s * fps))
    frame_size = (0, 0)
    t0 = time.perf_counter()
    for fr in video:
        frame_size = fr.size
        frames.append(fr.pose)
        if on_frame is not None:
            on_frame(fr.index, fr.pose)
        if progress is not None and fr.index % 10 == 0:
            progress(min(1.0, (fr.index + 1) / expected))
    wall = time.perf_counter() - t0
    if progress is not None:
        progress(1.0)
    seq = LandmarkSequence.from_frames(frames, fps, frame_size, video.duration_s)
    return seq, {"wall_s": wall, "slices": len(video.bounds)}


def cache_path(
    clip_id: str, backbone_version: str, fps: float, cache_dir: Path = DEFAULT_CACHE_DIR
) -> Path:
    return Path(cache_dir) / f"{clip_id}__{backbone_version}__{fps:g}fps.npz"


def cached_landmarks(
    clip_id: str,
    video_path: str,
    backbone: PoseBackbone,
    fps: float = ANALYSIS_FPS,
    cache_dir: Path = DEFAULT_CACHE_DIR,
) -> LandmarkSequence:
    """Landmarks for a clip, from the cache or extracted (and cached) now.

    `backbone` is only run on a cache miss, so a lazily created backbone costs nothing when
    everything is cached.
    """
    p = cache_path(clip_id, backbone.version, fps, cache_dir)
    if p.exists():
        return LandmarkSequence.load(p)
    seq, stats = extract_landmarks(video_path, backbone, fps, workers=CACHE_SLICES)
    seq.save(p)
    with open(p.with_suffix(".timing"), "w") as f:
        f.write(f"{stats['wall_s']:.3f} {seq.duration_s:.3f}\n")  # wall, video seconds
    return seq
