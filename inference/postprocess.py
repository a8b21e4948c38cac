"""From per-frame class probabilities to bouts with repetitions, hold time and calories."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import calories
from .counting import count_reps
from .features import ANGLE_SLICE
from .heads import IDLE, UNKNOWN, EngineWeights
from .result import Bout

SWITCH_PENALTY = 6.0     # nats to switch active/idle between frames: removes flicker < ~1 s
EXERCISE_SWITCH_PENALTY = 15.0   # nats to change exercise inside an active stretch
MIN_BOUT_S = 2.0         # shorter exercise runs are treated as idle
UNKNOWN_BELOW = 0.2      # mean class probability under which a bout is called `unknown`


@dataclass
class Segment:
    label: str
    start: int      # frame index, inclusive
    end: int        # frame index, exclusive
    confidence: float


def viterbi_labels(probs: np.ndarray, penalty: float = SWITCH_PENALTY) -> np.ndarray:
    """Most likely label path with a constant penalty per label change."""
    n, c = probs.shape
    if n == 0:
        return np.zeros(0, int)
    logp = np.log(probs + 1e-6)
    score = logp[0].copy()
    back = np.zeros((n, c), np.int32)
    for i in range(1, n):
        best_prev = int(np.argmax(score))
        stay = score
        switch = score[best_prev] - penalty
        take_switch = switch > stay
        back[i] = np.where(take_switch, best_prev, np.arange(c))
        score = np.where(take_switch, switch, stay) + logp[i]
    path = np.zeros(n, int)
    path[-1] = int(np.argmax(score))
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def _runs(path: np.ndarray):
    i, n = 0, len(path)
    while i < n:
        j = i
        while j < n and path[j] == path[i]:
            j += 1
        yield int(path[i]), i, j
        i = j


def segment(probs: np.ndarray, usable: np.ndarray, labels: list[str], fps: float) -> list[Segment]:
    """Exercise segments; idle and no-person time stay outside them.

    Two stages, so that evidence is pooled where it is weakest: first active vs idle (the
    idle class against all exercises together), then, inside each active stretch, which
    exercise (a second smoothing with a higher change penalty, so a bout changes label only
    on sustained evidence; each part is labelled by its mean probabilities).
    """
    if len(probs) == 0:
        return []
    idle = labels.index(IDLE)
    p_active = 1.0 - probs[:, idle]
    p_active[~usable] = 0.0            # no person: never inside a bout
    path = viterbi_labels(np.stack([1.0 - p_active, p_active], axis=1), SWITCH_PENALTY)
    ex_idx = [k for k in range(len(labels)) if k != idle]
    segs = []
    for state, i, j in _runs(path):
        if state != 1 or (j - i) / fps < MIN_BOUT_S:
            continue
        ex = probs[i:j][:, ex_idx]
        ex = ex / np.maximum(ex.sum(axis=1, keepdims=True), 1e-9)
        sub = viterbi_labels(ex, EXERCISE_SWITCH_PENALTY)
        parts = [[k, a, b] for k, a, b in _runs(sub)]
        # Parts too short to be a bout join the previous (or next) part.
        merged = []
        for part in parts:
            if merged and (part[2] - part[1]) / fps < MIN_BOUT_S:
                merged[-1][2] = part[2]
            else:
                merged.append(part)
        if len(merged) > 1 and (merged[0][2] - merged[0][1]) / fps < MIN_BOUT_S:
            merged[1][1] = merged[0][1]
            merged.pop(0)
        for _, a, b in merged:
            mean = ex[a:b].mean(axis=0)
            k = int(np.argmax(mean))
            conf = float(mean[k])
            label = labels[ex_idx[k]] if conf >= UNKNOWN_BELOW else UNKNOWN
            segs.append(Segment(label, i + a, i + b, conf))
    return segs


def range_of_motion(feats: np.ndarray) -> float:
    """Largest joint-angle range in the bout, as a fraction of 180 degrees (robust percentiles)."""
    if len(feats) < 3:
        return 0.0
    a = feats[:, ANGLE_SLICE]
    return float((np.percentile(a, 95, axis=0) - np.percentile(a, 5, axis=0)).max())


def make_bout(seg: Segment, feats: np.ndarray, usable: np.ndarray, fps: float,
              weights: EngineWeights, body: dict) -> Bout:
    f = feats[seg.start:seg.end]
    duration = (seg.end - seg.start) / fps
    base_met, _code = calories.exercise_met(seg.label)
    if seg.label in calories.STATIC_EXERCISES:
        reps, rep_times, hold = 0, [], float(usable[seg.start:seg.end].sum() / fps)
        met = base_met
    else:
        rc = count_reps(f, fps, weights.prior(seg.label))
        reps = rc.reps
        rep_times = [[round((seg.start + a) / fps, 2), round((seg.start + b) / fps, 2)]
                     for a, b in rc.rep_frames]
        hold = None
        cadence = reps / duration * 60.0 if duration > 0 and reps else None
        met = base_met * calories.intensity_factor(cadence, weights.typical_cadence.get(seg.label)) \
            * calories.rom_factor(range_of_motion(f))
    return Bout(
        exercise=seg.label, start_s=round(seg.start / fps, 2), end_s=round(seg.end / fps, 2),
        reps=int(reps), rep_times_s=rep_times, hold_s=None if hold is None else round(hold, 2),
        met=round(float(met), 2), kcal=round(calories.kcal(met, body, duration), 2),
        confidence=round(seg.confidence, 3))
