"""Pose backbones: video frame -> 33 body landmarks.

`PoseBackbone` is the small interface the rest of the engine depends on, so another model
can be plugged in. `BlazePoseBackbone` wraps mediapipe's BlazePose full model, which ships
inside the mediapipe 0.10.14 wheel (nothing is downloaded); `inference.blazepose` runs the
same model files with the LiteRT interpreter, about twice as fast.

Models are created lazily, inside the process that uses them: a mediapipe graph created
before a fork hangs the forked child (Celery prefork workers).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

N_LANDMARKS = 33


@dataclass
class PoseFrame:
    """Landmarks of one person in one frame."""

    image: np.ndarray  # (33, 3) x, y normalised to [0, 1] of the frame, z relative depth
    visibility: np.ndarray  # (33,) in [0, 1]
    world: np.ndarray  # (33, 3) metres, origin between the hips (BlazePose world coords)


@runtime_checkable
class PoseBackbone(Protocol):
    name: str
    version: str

    def process(self, rgb: np.ndarray) -> PoseFrame | None:
        """Landmarks for one RGB frame of a video stream (frames in order), or None."""

    def reset(self) -> None:
        """Forget tracking state before starting a new video."""

    def close(self) -> None: ...


def quiet_native_logging() -> None:
    """Silence glog/absl/TF Lite chatter that mediapipe writes to stderr."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    except Exception:  # absl is optional for the engine itself
        pass


class BlazePoseBackbone:
    """mediapipe's legacy `solutions.pose` (BlazePose GHUM full, model_complexity=1)."""

    name = "blazepose_full"
    version = "mediapipe-0.10.14-full-v1"

    def __init__(self, min_detection_confidence: float = 0.5, min_tracking_confidence: float = 0.5):
        self._det = min_detection_confidence
        self._trk = min_tracking_confidence
        self._pose = None  # created on first use, in the using process

    def _ensure(self):
        if self._pose is None:
            quiet_native_logging()
            import mediapipe as mp  # imported lazily: heavy, and must not run before a fork

            self._pose = mp.solutions.pose.Pose(
                static_image_mode=False,
                model_complexity=1,
                smooth_landmarks=True,
                enable_segmentation=False,
                min_detection_confidence=self._det,
                min_tracking_confidence=self._trk,
            )
        return self._pose

    def process(self, rgb: np.ndarray) -> PoseFrame | None:
        res = self._ensure().process(rgb)
        if res.pose_landmarks is None:
            return None
        lm = res.pose_landmarks.landmark
        image = np.array([[p.x, p.y, p.z] for p in lm], dtype=np.float32)
        vis = np.array([p.visibility for p in lm], dtype=np.float32)
        if res.pose_world_landmarks is not None:
            world = np.array(
                [[p.x, p.y, p.z] for p in res.pose_world_landmarks.landmark], dtype=np.float32
            )
        else:
            world = np.full((N_LANDMARKS, 3), np.nan, dtype=np.float32)
        return PoseFrame(image, vis, world)

    def reset(self) -> None:
        self.close()

    def close(self) -> None:
        if self._pose is not None:
            self._pose.close()
            self._pose = None


def _litert_backbone() -> PoseBackbone:
    from .blazepose import LiteRtBlazePoseBackbone  # lazy: keeps `import inference` light

    return LiteRtBlazePoseBackbone()


#: Backbones by `name`. Both run BlazePose full from the same mediapipe wheel files; the
#: LiteRT one re-implements mediapipe's graph around the interpreter (inference/blazepose/).
BACKBONES = {
    BlazePoseBackbone.name: BlazePoseBackbone,
    "blazepose_full_litert": _litert_backbone,
}

#: Used when neither the caller nor COACH_POSE_BACKBONE names one. The LiteRT backbone
#: matches mediapipe's landmarks (median distance 0.002 of the frame, same presence on
#: 99.6% of frames of the dataset clips) at about half the time; see inference/README.md.
DEFAULT_BACKBONE = "blazepose_full_litert"


def default_backbone(name: str | None = None) -> PoseBackbone:
    """A new (lazy) backbone: `name`, else $COACH_POSE_BACKBONE, else DEFAULT_BACKBONE."""
    name = name or os.environ.get("COACH_POSE_BACKBONE") or DEFAULT_BACKBONE
    try:
        factory = BACKBONES[name]
    except KeyError:
        raise ValueError(
            f"unknown pose backbone {name!r}; choose one of {', '.join(sorted(BACKBONES))}"
        ) from None
    return factory()
