"""Second opinion on a whole bout: a linear classifier over pooled posture statistics.

The window classifier sees 3 s at a time; a bout is labelled by averaging its windows. This
model looks at the bout as a whole instead: percentiles and ranges of every joint angle,
segment verticality and posture feature, how fast each moves, how much the body moves in
the image. These statistics describe an exercise (how far the knees bend, whether the
hands go overhead, lying face up or down) and little else, and a multinomial logistic
regression with strong weight decay over them has few ways to memorise one camera or one
person. `postprocess.segment` multiplies its probabilities with the window classifier's
mean probabilities (a product of two experts).

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
    z = (desc - params["bout.mean"]) / params["bout.std"]
    logits = z @ params["bout.weight"].T + params["bout.bias"]
    logits = logits - logits.max()
    e = np.exp(logits)
    return e / e.sum()
