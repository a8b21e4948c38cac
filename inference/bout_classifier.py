"""Second opinion on a whole bout: a linear classifier over pooled posture statistics.

The window classifier sees 3 s at a time; a bout is labelled by averaging its windows. This
model looks at the bout as a whole instead: percentiles and ranges of every joint angle,
segment verticality and posture feature, how fast each moves, how much the body moves in
the image. These statistics describe an exercise (how far the knees bend, whether the
hands go overhead, lying face up or down) and little else, and a multinomial logistic
regression with strong weight decay over them has few ways to memorise one camera or one
person. `postprocess.segment` multiplies its probabilities with the window classifier's
mean probabilities (a product of two experts).

Training samples are the true exercise bouts of the training clips (and random 60-100%
crops of them, since predicted bouts are rarely exact) under the same augmentations as
the window classifier, plus the synthetic clips of synth.py.
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


def fit(x: np.ndarray, y: np.ndarray, n_classes: int, steps=400, weight_decay=3e-2, seed=0):
    """Multinomial logistic regression (torch, full batch, class-balanced). Returns params."""
    import torch

    torch.manual_seed(seed)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-3
    xt = torch.from_numpy(((x - mean) / std).astype(np.float32))
    yt = torch.from_numpy(y).long()
    counts = np.bincount(y, minlength=n_classes).astype(np.float32)
    cw = np.where(counts > 0, 1.0 / np.sqrt(np.maximum(counts, 1)), 0.0)
    lin = torch.nn.Linear(x.shape[1], n_classes)
    opt = torch.optim.LBFGS(lin.parameters(), lr=0.5, max_iter=steps, line_search_fn="strong_wolfe")
    loss_fn = torch.nn.CrossEntropyLoss(weight=torch.from_numpy(cw / cw[cw > 0].mean()))

    def closure():
        opt.zero_grad()
        loss = loss_fn(lin(xt), yt) + weight_decay * (lin.weight**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return {
        "bout.mean": mean.astype(np.float32),
        "bout.std": std.astype(np.float32),
        "bout.weight": lin.weight.detach().numpy().astype(np.float32),
        "bout.bias": lin.bias.detach().numpy().astype(np.float32),
    }


def probabilities(params: dict, desc: np.ndarray) -> np.ndarray:
    z = (desc - params["bout.mean"]) / params["bout.std"]
    logits = z @ params["bout.weight"].T + params["bout.bias"]
    logits = logits - logits.max()
    e = np.exp(logits)
    return e / e.sum()
