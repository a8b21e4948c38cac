"""SSD anchors of the BlazePose detector (mediapipe SsdAnchorsCalculator, PoseDetectionCpu)."""

from __future__ import annotations

import math

import numpy as np

INPUT_SIZE = 224
STRIDES = (8, 16, 32, 32, 32)
ANCHOR_OFFSET = 0.5


def ssd_anchor_centres(
    input_size: int = INPUT_SIZE, strides=STRIDES, offset: float = ANCHOR_OFFSET
) -> np.ndarray:
    """(N, 2) anchor centres (x, y) normalised to the detector input.

    The graph uses `fixed_anchor_size: true`, so every anchor is 1 x 1 and only the centres
    matter. Consecutive layers with the same stride share one feature map; each layer adds
    two anchors per cell (aspect ratio 1 plus the interpolated scale), in the calculator's
    order: layer group, row, column, anchor.
    """
    centres = []
    layer = 0
    while layer < len(strides):
        same = layer
        while same < len(strides) and strides[same] == strides[layer]:
            same += 1
        per_cell = 2 * (same - layer)
        fm = math.ceil(input_size / strides[layer])
        ys, xs = np.meshgrid(np.arange(fm), np.arange(fm), indexing="ij")
        cell = np.stack([(xs + offset) / fm, (ys + offset) / fm], axis=-1).reshape(-1, 2)
        centres.append(np.repeat(cell, per_cell, axis=0))
        layer = same
    return np.concatenate(centres).astype(np.float32)
