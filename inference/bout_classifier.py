"""Second opinion on a whole bout: a linear classifier over pooled posture statistics.

The window classifier sees 3 s at a time; a bout is labelled by averaging its windows. This
model looks at the bout as a whole instead: percentiles and ranges of every joint angle,
segment verticality and posture feature, how fast each moves, how much the body moves in
the image. These statistics describe an exercise (how far the knees bend, whether the
hands go overhead, lying face up or down) and little else, and a multinomial logistic
regression with strong weight decay over them has few ways to memorise one camera or one
person. `postprocess.segment` multiplies its probabilities with the window classifier's
mean probabilities (a product of two experts).

It also tells how familiar a bout looks (`novelty`): how far its statistics lie from the
taught bouts of the exercise it is named, in units of how much taught bouts of one
exercise vary (a Mahalanobis distance with one covariance shared by all exercises). A
misnamed bout, or one of an exercise never taught, tends to lie far from them; the
confidence calibration (`inference.confidence`) hears it.

Only the run-time half is here; `training.train` fits it (`fit_bout_classifier`) on the
true exercise bouts of the training clips (and random 60-100% crops of them, since
predicted bouts are rarely exact) under the same augmentations as the window classifier,
plus the synthetic clips of `training.synth`.
"""

from __future__ import annotations

import numpy as np

from .features import (
    ANGLE_SLICE,
    IMAGE_HEIGHT_POINTS,
    IMAGE_HEIGHT_SLICE,
    IMAGE_MOTION_SLICE,
    L_AN,
    L_WR,
    N_STATIC,
    POSTURE_SLICE,
    R_AN,
    R_WR,
    SEG_SLICE,
)

STATIC_COLUMNS = np.concatenate(
    [
        np.arange(ANGLE_SLICE.start, ANGLE_SLICE.stop),
        np.arange(SEG_SLICE.start, N_STATIC),  # verticality + image torso tilt
        np.arange(POSTURE_SLICE.start, POSTURE_SLICE.stop),
    ]
)
VELOCITY_COLUMNS = np.concatenate(
    [
        STATIC_COLUMNS[STATIC_COLUMNS < N_STATIC] + N_STATIC,
        np.arange(
            POSTURE_SLICE.stop, POSTURE_SLICE.stop + (POSTURE_SLICE.stop - POSTURE_SLICE.start)
        ),
    ]
)
QUANTILES = (10, 50, 90)
MIN_FRAMES = 10
_CENTRE_POINTS = [IMAGE_HEIGHT_POINTS.index(p) for p in ("nose", "sh", "hip")]
_SIDE_PAIRS = [
    (IMAGE_HEIGHT_POINTS.index(left), IMAGE_HEIGHT_POINTS.index(right))
    for left, right in ((L_WR, R_WR), (L_AN, R_AN))
]


def image_travel(heights: np.ndarray) -> np.ndarray:
    """How far each part of the body travels up and down in the picture (10-90% range in
    median torso lengths, log): nose, shoulders, hips, then wrists and ankles as (less,
    more moving side), so a mirror image gives the same numbers."""
    q = np.percentile(heights[:, :-1], (10, 90), axis=0)
    r = (q[1] - q[0]) / max(float(np.median(heights[:, -1])), 0.02)
    sides = [f(r[a], r[b]) for a, b in _SIDE_PAIRS for f in (min, max)]
    return np.log(0.05 + np.concatenate([r[_CENTRE_POINTS], sides]))


def descriptor(feats: np.ndarray, usable: np.ndarray) -> np.ndarray | None:
    """Pooled statistics of a bout's frames (frames without a person are left out)."""
    f = feats[usable]
    if len(f) < MIN_FRAMES:
        return None
    st = f[:, STATIC_COLUMNS]
    q = np.percentile(st, QUANTILES, axis=0)
    vel = np.abs(f[:, VELOCITY_COLUMNS]).mean(axis=0)
    im = f[:, IMAGE_MOTION_SLICE].std(axis=0)
    travel = image_travel(f[:, IMAGE_HEIGHT_SLICE])
    return np.concatenate([q.ravel(), q[-1] - q[0], vel, im, travel]).astype(np.float32)


def probabilities(params: dict, desc: np.ndarray) -> np.ndarray:
    logits = _z(params, desc) @ params["bout.weight"].T + params["bout.bias"]
    logits = logits - logits.max()
    e = np.exp(logits)
    return e / e.sum()


def _z(params: dict, desc: np.ndarray) -> np.ndarray:
    return (desc - params["bout.mean"]) / params["bout.std"]


def novelty(params: dict, desc: np.ndarray, label_index: int | None = None) -> float | None:
    """Squared Mahalanobis distance per dimension of `desc` to the taught bouts of exercise
    `label_index`, or to those of the nearest taught exercise (also when that one was never
    taught); None for weights without the familiarity statistics."""
    if "bout.whiten" not in params:
        return None
    taught = params["bout.taught"] > 0.5
    diffs = (_z(params, desc) - params["bout.class_mean"]) @ params["bout.whiten"].T
    d2 = (diffs**2).mean(axis=1)
    if label_index is not None and taught[label_index]:
        return float(d2[label_index])
    return float(d2[taught].min())


def familiarity_params(z: np.ndarray, y: np.ndarray, n_classes: int) -> dict:
    """Per-exercise means of standardised descriptors `z` and a whitening matrix of their
    spread around them (Ledoit-Wolf shrinkage: a few thousand bouts, 240 dimensions)."""
    counts = np.bincount(y, minlength=n_classes)
    means = np.zeros((n_classes, z.shape[1]), np.float64)
    for k in np.flatnonzero(counts):
        means[k] = z[y == k].mean(axis=0)
    cov = shrunk_covariance(z - means[y])
    whiten = np.linalg.inv(np.linalg.cholesky(cov))  # |whiten @ r|^2 = r' cov^-1 r
    return {
        "bout.class_mean": means.astype(np.float32),
        "bout.whiten": whiten.astype(np.float32),
        "bout.taught": (counts > 0).astype(np.float32),
    }


def shrunk_covariance(r: np.ndarray) -> np.ndarray:
    """Ledoit-Wolf covariance of centred rows `r`: the sample covariance pulled towards a
    scaled identity by the amount that minimises the expected squared error."""
    n, p = r.shape
    s = r.T @ r / n
    mu = np.trace(s) / p
    delta2 = ((s - mu * np.eye(p)) ** 2).sum() / p
    beta2 = ((r**2).sum(axis=1) ** 2).sum() / n**2 / p - (s**2).sum() / n / p
    shrink = min(max(beta2, 0.0), delta2) / delta2 if delta2 > 0 else 1.0
    return shrink * mu * np.eye(p) + (1 - shrink) * s
