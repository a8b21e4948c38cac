"""Landmark smoothing as in mediapipe's PoseLandmarkFiltering graph.

One-euro filters (Casiez et al. 2012) per coordinate, in pixels, with the velocity scaled by
the inverse of the person's size (the ROI from the auxiliary landmarks), so the filter
behaves the same for a near and a far person. Visibility gets a low-pass filter.
"""

from __future__ import annotations

import math

import numpy as np

#: The legacy Python API stamps frames 33333 us apart whatever the real frame rate, so the
#: filters run at 30 Hz. Kept, so these landmarks match mediapipe's.
FRAME_DT = 0.033333
#: min_cutoff, beta, derivate_cutoff per stream (PoseLandmarkFiltering).
IMAGE_FILTER = (0.05, 80.0, 1.0)
WORLD_FILTER = (0.1, 40.0, 1.0)  # disable_value_scaling: metres do not depend on the image
AUX_FILTER = (0.01, 10.0, 1.0)  # heavier: keeps the tracking crop steady
VISIBILITY_ALPHA = 0.1
MIN_OBJECT_SCALE = 1e-6


def _alpha(cutoff, dt):
    tau = 1.0 / (2 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Vectorised one-euro filter over an array of values (mediapipe's OneEuroFilter)."""

    def __init__(self, min_cutoff: float, beta: float, d_cutoff: float):
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.reset()

    def reset(self) -> None:
        self._x = None  # last filtered value
        self._raw = None  # last raw value
        self._dx = None  # last filtered derivative
        self._dt = 1.0 / 30.0  # mediapipe's default frequency before a second sample

    def apply(self, value: np.ndarray, value_scale: float = 1.0, dt: float = FRAME_DT):
        value = np.asarray(value, dtype=np.float64)
        if self._x is None:
            self._x, self._raw, self._dx = value.copy(), value.copy(), np.zeros_like(value)
            return value.copy()
        self._dt = dt
        dvalue = (value - self._raw) * value_scale / dt
        a_d = _alpha(self.d_cutoff, dt)
        self._dx = a_d * dvalue + (1 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        tau = 1.0 / (2 * math.pi * cutoff)
        a = 1.0 / (1.0 + tau / dt)
        self._x = a * value + (1 - a) * self._x
        self._raw = value.copy()
        return self._x.copy()

    _STATE = ("_x", "_raw", "_dx")

    def state(self, prefix: str) -> dict[str, np.ndarray]:
        if self._x is None:
            return {}
        out = {f"{prefix}{name}": getattr(self, name) for name in self._STATE}
        out[f"{prefix}_dt"] = np.array(self._dt)
        return out

    def restore(self, prefix: str, state: dict[str, np.ndarray]) -> None:
        self.reset()
        if f"{prefix}_x" in state:
            for name in self._STATE:
                setattr(self, name, np.array(state[f"{prefix}{name}"], dtype=np.float64))
            self._dt = float(state[f"{prefix}_dt"])


class LowPassFilter:
    def __init__(self, alpha: float):
        self.alpha = alpha
        self.reset()

    def reset(self) -> None:
        self._v = None

    def state(self, prefix: str) -> dict[str, np.ndarray]:
        return {} if self._v is None else {f"{prefix}_v": self._v}

    def restore(self, prefix: str, state: dict[str, np.ndarray]) -> None:
        self.reset()
        if f"{prefix}_v" in state:
            self._v = np.array(state[f"{prefix}_v"], dtype=np.float64)

    def apply(self, value: np.ndarray) -> np.ndarray:
        value = np.asarray(value, dtype=np.float64)
        if self._v is None:
            self._v = value.copy()
        else:
            self._v = self.alpha * value + (1 - self.alpha) * self._v
        return self._v.copy()


def to_pixels(xyz: np.ndarray, w: int, h: int) -> np.ndarray:
    """NormalizedLandmarksToLandmarks: x * width, y * height, z * width."""
    return xyz * np.array([w, h, w], dtype=np.float64)


def from_pixels(xyz: np.ndarray, w: int, h: int) -> np.ndarray:
    return (xyz / np.array([w, h, w], dtype=np.float64)).astype(np.float32)


class PoseSmoother:
    """The filters of PoseLandmarkFiltering for one tracked person."""

    def __init__(self):
        self.image = OneEuroFilter(*IMAGE_FILTER)
        self.world = OneEuroFilter(*WORLD_FILTER)
        self.aux = OneEuroFilter(*AUX_FILTER)
        self.visibility = LowPassFilter(VISIBILITY_ALPHA)

    def _filters(self) -> dict:
        return {"image": self.image, "world": self.world, "aux": self.aux, "vis": self.visibility}

    def reset(self) -> None:
        for f in self._filters().values():
            f.reset()

    def state(self) -> dict[str, np.ndarray]:
        """Every filter's memory, as arrays (exact: restoring it changes no later output)."""
        out = {}
        for name, f in self._filters().items():
            out.update(f.state(f"{name}."))
        return out

    def restore(self, state: dict[str, np.ndarray]) -> None:
        for name, f in self._filters().items():
            f.restore(f"{name}.", state)

    def apply(self, image, visibility, aux, world, object_scale_px: float, w: int, h: int):
        """Smoothed (image, visibility, aux, world). `object_scale_px` is the mean side in
        pixels of the ROI from the raw auxiliary landmarks (OBJECT_SCALE_ROI)."""
        vis = self.visibility.apply(visibility).astype(np.float32)
        world_s = self.world.apply(world).astype(np.float32)
        if object_scale_px < MIN_OBJECT_SCALE:  # mediapipe passes landmarks through
            return image, vis, aux, world_s
        scale = 1.0 / object_scale_px
        image_s = from_pixels(self.image.apply(to_pixels(image, w, h), scale), w, h)
        aux_s = from_pixels(self.aux.apply(to_pixels(aux, w, h), scale), w, h)
        return image_s, vis, aux_s, world_s
