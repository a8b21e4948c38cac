"""mediapipe's own BlazePose (`solutions.pose`), the reference the LiteRT backbone matches.

BlazePose full ships inside the mediapipe 0.10.14 wheel (nothing is downloaded).
"""

from __future__ import annotations

import numpy as np

from .base import N_LANDMARKS, PoseFrame, quiet_native_logging


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
