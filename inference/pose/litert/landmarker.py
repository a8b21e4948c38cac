"""Landmark model on a rotated ROI (PoseLandmarkByRoiCpu + TensorsToPoseLandmarksAndSegmentation).

The model sees a 256x256 crop in [0, 1] and returns 39 landmarks (33 body + 2 auxiliary used
for tracking + 4 unused), a pose-presence score, a 64x64x39 heatmap and 39 world landmarks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .roi import Rect, crop, project_to_frame, rotate_world

INPUT_SIZE = 256
N_MODEL_LANDMARKS = 39
N_BODY = 33
AUX = slice(33, 35)
HEATMAP_KERNEL = 7
MIN_HEATMAP_CONFIDENCE = 0.5
MIN_PRESENCE = 0.5  # min_tracking_confidence of the legacy Pose API


@dataclass
class RawLandmarks:
    """One landmark-model result, already in frame coordinates (before smoothing)."""

    presence: float
    image: np.ndarray  # (33, 3) frame-normalised x, y; z scaled like x
    visibility: np.ndarray  # (33,) sigmoid of the visibility logits
    aux: np.ndarray  # (2, 3) auxiliary landmarks (hip centre, body-scale point)
    world: np.ndarray  # (33, 3) metres, rotated back by the ROI rotation


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def decode_landmarks(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(195,) -> crop-normalised (39, 3) x, y, z and sigmoid visibility (39,)
    (TensorsToLandmarksCalculator: x, y, z divided by the input width)."""
    r = raw.reshape(N_MODEL_LANDMARKS, 5)
    return (r[:, :3] / INPUT_SIZE).astype(np.float32), sigmoid(r[:, 3]).astype(np.float32)


def refine_from_heatmap(
    xyz: np.ndarray,
    heatmap: np.ndarray,
    kernel: int = HEATMAP_KERNEL,
    min_conf: float = MIN_HEATMAP_CONFIDENCE,
) -> np.ndarray:
    """RefineLandmarksFromHeatmapCalculator: x, y := sigmoid-weighted mean cell of the
    kernel around each landmark, if the kernel's best cell is confident enough.

    Mirrors the C++ exactly, including truncation toward zero of the centre cell and its
    bounds check (which tests the column twice and never the row's upper bound)."""
    hm_h, hm_w, n = heatmap.shape
    out = xyz.copy()
    col = np.trunc(xyz[:, 0] * hm_w).astype(int)
    row = np.trunc(xyz[:, 1] * hm_h).astype(int)
    inside = (col >= 0) & (col < hm_w) & (row >= 0) & (col < hm_h)
    off = (kernel - 1) // 2
    steps = np.arange(-off, off + 1)
    rows = row[:, None] + steps[None, :]  # (n, k)
    cols = col[:, None] + steps[None, :]
    row_ok = (rows >= 0) & (rows < hm_h)
    col_ok = (cols >= 0) & (cols < hm_w)
    rr = np.clip(rows, 0, hm_h - 1)
    cc = np.clip(cols, 0, hm_w - 1)
    idx = np.arange(n)
    vals = sigmoid(heatmap[rr[:, :, None], cc[:, None, :], idx[:, None, None]])
    mask = row_ok[:, :, None] & col_ok[:, None, :]
    conf = np.where(mask, vals, 0.0)
    total = conf.sum(axis=(1, 2))
    best = conf.max(axis=(1, 2))
    safe = np.maximum(total, 1e-12)
    new_x = (conf * cols[:, None, :]).sum(axis=(1, 2)) / hm_w / safe
    new_y = (conf * rows[:, :, None]).sum(axis=(1, 2)) / hm_h / safe
    use = inside & (best >= min_conf) & (total > 0)
    out[use, 0] = new_x[use]
    out[use, 1] = new_y[use]
    return out


def landmarks_from_outputs(
    raw_landmarks: np.ndarray,
    presence: float,
    heatmap: np.ndarray,
    raw_world: np.ndarray,
    rect: Rect,
) -> RawLandmarks:
    """Model outputs for the crop of `rect` -> landmarks in frame coordinates."""
    xyz, vis = decode_landmarks(raw_landmarks)
    xyz = refine_from_heatmap(xyz, heatmap)
    frame_xyz = project_to_frame(xyz, rect)
    world = raw_world.reshape(N_MODEL_LANDMARKS, 3)[:N_BODY].astype(np.float32)
    return RawLandmarks(
        float(presence),
        frame_xyz[:N_BODY],
        vis[:N_BODY],
        frame_xyz[AUX],
        rotate_world(world, rect.rotation),
    )


class PoseLandmarker:
    """Runs the landmark model on the crop of a ROI."""

    def __init__(self, interpreter):
        self._it = interpreter
        self._in = interpreter.get_input_details()[0]["index"]
        outs = {d["name"]: d["index"] for d in interpreter.get_output_details()}
        self._lm, self._flag = outs["Identity"], outs["Identity_1"]
        self._heatmap, self._world = outs["Identity_3"], outs["Identity_4"]

    def run(self, rgb: np.ndarray, rect: Rect) -> RawLandmarks:
        img = crop(rgb, rect, INPUT_SIZE)
        self._it.set_tensor(self._in, (img.astype(np.float32) * (1.0 / 255.0))[None])
        self._it.invoke()
        g = self._it.get_tensor
        return landmarks_from_outputs(
            g(self._lm)[0],
            float(g(self._flag).reshape(-1)[0]),
            g(self._heatmap)[0],
            g(self._world)[0],
            rect,
        )
