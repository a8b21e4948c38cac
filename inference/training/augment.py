"""Landmark-level augmentation for training with few clips per exercise.

All operations act on whole `LandmarkSequence`s before feature extraction, so features see
realistic skeletons: mirror image, 3D rotation of world landmarks (camera pitch/roll, yaw),
in-plane rotation of image landmarks, time warping (faster/slower execution), scale jitter,
landmark noise and slowly drifting per-joint offsets.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..features import _fill_gaps, mirror
from ..landmarks import LandmarkSequence


def _rot(yaw: float, pitch: float, roll: float) -> np.ndarray:
    cy, sy, cp, sp, cr, sr = (
        np.cos(yaw),
        np.sin(yaw),
        np.cos(pitch),
        np.sin(pitch),
        np.cos(roll),
        np.sin(roll),
    )
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return rz @ rx @ ry


def time_warp(seq: LandmarkSequence, speed: float) -> tuple[LandmarkSequence, np.ndarray]:
    """Resample as if performed `speed` times faster. Returns (seq, source index per frame)."""
    n = len(seq)
    m = max(2, int(round(n / speed)))
    src = np.linspace(0, n - 1, m)
    i0 = np.floor(src).astype(int)
    i1 = np.minimum(i0 + 1, n - 1)
    w = (src - i0)[:, None, None]
    world, ok = _fill_gaps(np.nan_to_num(seq.world), seq.present, int(seq.fps))
    image, _ = _fill_gaps(np.nan_to_num(seq.image), seq.present, int(seq.fps))
    present = ok[i0] & ok[i1]

    def lerp(a):
        return (a[i0] * (1 - w) + a[i1] * w).astype(np.float32)

    vis = (seq.visibility[i0] * (1 - w[..., 0]) + seq.visibility[i1] * w[..., 0]).astype(np.float32)
    out = LandmarkSequence(
        seq.fps, lerp(image), vis, lerp(world), present, seq.frame_size, m / seq.fps
    )
    return out, np.round(src).astype(int)


#: Slowly drifting per-joint offsets (metres, ~1-s correlation) added to the world
#: landmarks: a pose model's errors are not white noise but biases that persist over many
#: frames (a leg out of the picture, loose clothing, a side view).
SMOOTH_NOISE = 0.03
SMOOTH_NOISE_FRAMES = 5  # Gaussian kernel sigma, in analysed frames


def _smooth_offsets(rng: np.random.Generator, n: int, joints: int, sigma: int) -> np.ndarray:
    """(n, joints, 3) unit-variance noise, low-passed over time by a Gaussian of `sigma`
    frames."""
    x = rng.normal(0, 1, (n + 6 * sigma, joints, 3))
    k = np.exp(-0.5 * (np.arange(-3 * sigma, 3 * sigma + 1) / sigma) ** 2)
    k /= np.sqrt((k**2).sum())  # keeps unit variance
    return np.apply_along_axis(lambda v: np.convolve(v, k, mode="valid"), 0, x)[:n]


def random_augment(
    seq: LandmarkSequence, rng: np.random.Generator
) -> tuple[LandmarkSequence, np.ndarray]:
    """One random augmentation. Returns (seq, source frame index for each new frame)."""
    if rng.random() < 0.5:
        seq = mirror(seq)
    seq, idx = time_warp(seq, float(np.exp(rng.uniform(np.log(0.7), np.log(1.4)))))
    r = _rot(rng.uniform(-0.6, 0.6), rng.uniform(-0.25, 0.25), rng.uniform(-0.15, 0.15))
    scale = rng.uniform(0.85, 1.15)
    world = (seq.world @ r.T.astype(np.float32)) * scale
    world += rng.normal(0, 0.01, world.shape).astype(np.float32)
    if SMOOTH_NOISE > 0:
        drift = _smooth_offsets(rng, len(world), world.shape[1], SMOOTH_NOISE_FRAMES)
        world += (SMOOTH_NOISE * drift).astype(np.float32)
    # In-plane image rotation + zoom about the frame centre (camera roll and distance).
    a = rng.uniform(-0.15, 0.15)
    c, s = np.cos(a), np.sin(a)
    image = seq.image.copy()
    xy = image[..., :2] - 0.5
    image[..., 0] = (c * xy[..., 0] - s * xy[..., 1]) * scale + 0.5
    image[..., 1] = (s * xy[..., 0] + c * xy[..., 1]) * scale + 0.5
    image[..., :2] += rng.normal(0, 0.003, image[..., :2].shape)
    return replace(seq, image=image.astype(np.float32), world=world.astype(np.float32)), idx
