"""What the engine needs of a pose backbone: video frame -> 33 body landmarks.

`PoseBackbone` is the small interface the rest of the engine depends on, so another model
can be plugged in (`registry` names the ones there are).

Models are created lazily, inside the process that uses them: a mediapipe graph or LiteRT
interpreter created before a fork hangs the forked child (Celery prefork workers).
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
