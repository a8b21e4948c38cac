"""How sure the engine is of a bout's exercise and of its repetition count.

Each bout yields evidence: for the label, the classifiers' agreement (their pooled
probability), how unlike the taught bouts of the exercise it is named the bout looks (a
misnamed bout, or one of an exercise never taught, lies far from them), the bout's length
and how much of it shows the person; for the count, how regular the repetitions are in
duration and spacing, how much of the bout they cover, how periodic the movement is and
whether its period agrees with the count, where an off-by-one count would come from (room
at the bout's ends, a shallow first or last repetition, a gap in the series), and the
label's evidence (a wrong exercise brings a wrong counting prior). Two small logistic
models turn the evidence into probabilities: that the exercise is right, and that the
count is exactly right. They are fitted on cross-validated predictions
(`python -m inference evaluate --write-calibration`), so 0.8 means right about 8 times
in 10 on footage the models did not train on. Without a calibration for the weights in
use, the label confidence is the raw pooled probability and the count has none.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from .counting import RepPrior, dominant_signal

CALIBRATION_PATH = Path(__file__).resolve().parent / "weights" / "calibration.json"

LABEL_FEATURES = ["logit", "log_duration", "usable", "log_novelty"]
COUNT_FEATURES = [
    "label_logit",
    "log_reps",
    "no_reps",
    "duration_cv",
    "spacing_cv",
    "coverage",
    "periodicity",
    "period_disagreement",
    "usable",
    "edge_room",
    "edge_depth",
    "widest_gap",
]


def _logit(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)
    return math.log(p / (1 - p))


def _cv(values: np.ndarray) -> float:
    return float(values.std() / values.mean()) if len(values) >= 2 and values.mean() > 0 else 0.0


def label_evidence(
    raw_confidence: float, duration_s: float, usable: np.ndarray, novelty: float | None = None
) -> dict:
    """`novelty`: `bout_classifier.novelty` of the bout for its label; without it (a custom
    label, weights without the statistics) the bout counts as typical (1)."""
    return {
        "logit": _logit(raw_confidence),
        "log_duration": math.log(max(duration_s, 0.1)),
        "usable": float(usable.mean()) if len(usable) else 0.0,
        "log_novelty": math.log(max(novelty if novelty is not None else 1.0, 1e-6)),
    }


def count_evidence(
    rep_frames: list[tuple[int, int]],
    feats: np.ndarray,
    usable: np.ndarray,
    fps: float,
    prior: RepPrior,
    raw_confidence: float,
) -> dict:
    """`feats`/`usable`: the bout's frames; `rep_frames`: its repetitions, relative to them."""
    n = len(feats)
    reps = len(rep_frames)
    starts = np.array([a for a, _ in rep_frames], float)
    lengths = np.array([b - a for a, b in rep_frames], float)
    signal, period, periodicity, _ = dominant_signal(feats, fps, prior)
    by_period = n / period if period else 0.0
    edges = _edge_evidence(rep_frames, signal, n)
    return {
        "label_logit": _logit(raw_confidence),
        "log_reps": math.log1p(reps),
        "no_reps": float(reps == 0),
        "duration_cv": _cv(lengths),
        "spacing_cv": _cv(np.diff(starts)) if reps >= 3 else 0.0,
        "coverage": float(lengths.sum() / n) if n else 0.0,
        "periodicity": float(periodicity),
        "period_disagreement": abs(by_period - reps) / max(reps, 1) if period else 1.0,
        "usable": float(usable.mean()) if n else 0.0,
        **edges,
    }


def _edge_evidence(rep_frames: list[tuple[int, int]], signal: np.ndarray, n: int) -> dict:
    """Where off-by-one counts come from: room at either end of the bout for a repetition
    that was not counted (a missed first or last one), a first or last repetition much
    shallower than the others (a partial one counted), and a gap inside the series (a
    repetition missed in the middle); lengths in median repetition lengths."""
    if not rep_frames:
        return {"edge_room": 0.0, "edge_depth": 1.0, "widest_gap": 0.0}
    typical = float(np.median([b - a for a, b in rep_frames])) or 1.0
    room = max(rep_frames[0][0], n - rep_frames[-1][1], 0) / typical
    starts = [min(max(a, 0), n - 1) for a, _ in rep_frames]  # clamped to the bout
    ends = [min(max(b, a + 1), n) for a, (_, b) in zip(starts, rep_frames, strict=True)]
    depths = [float(np.ptp(signal[a:b])) for a, b in zip(starts, ends, strict=True)]
    edge = min(depths[0], depths[-1]) / (float(np.median(depths)) or 1.0)
    gaps = [b0 - a1 for (_, a1), (b0, _) in pairwise(rep_frames)]
    return {
        "edge_room": min(room, 5.0),
        "edge_depth": min(edge, 2.0),
        "widest_gap": min(max(gaps + [0]) / typical, 5.0),
    }


@dataclass
class Calibrator:
    """A logistic model over named evidence (standardised with the fitting data's mean and
    scale)."""

    features: list[str]
    coef: list[float]
    intercept: float
    mean: list[float]
    scale: list[float]

    def probability(self, evidence: dict) -> float:
        x = (np.array([evidence[f] for f in self.features]) - self.mean) / self.scale
        return float(1.0 / (1.0 + math.exp(-(self.intercept + float(np.dot(self.coef, x))))))

    def to_dict(self) -> dict:
        return {
            "features": self.features,
            "coef": [float(c) for c in self.coef],
            "intercept": float(self.intercept),
            "mean": [float(m) for m in self.mean],
            "scale": [float(s) for s in self.scale],
        }


@dataclass
class Calibration:
    weights_version: str  # the engine weights whose cross-validation it was fitted on
    label: Calibrator
    count: Calibrator

    def to_dict(self) -> dict:
        return {
            "weights_version": self.weights_version,
            "label": self.label.to_dict(),
            "count": self.count.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Calibration:
        return cls(d["weights_version"], Calibrator(**d["label"]), Calibrator(**d["count"]))


_LOADED: dict[Path, Calibration | None] = {}


def load_calibration(weights_version: str, path: Path | None = None) -> Calibration | None:
    """The calibration shipped for these weights, or None (another weights file, or none)."""
    path = path or CALIBRATION_PATH
    if path not in _LOADED:
        found = path.exists()
        _LOADED[path] = Calibration.from_dict(json.loads(path.read_text())) if found else None
    calibration = _LOADED[path]
    return calibration if calibration and calibration.weights_version == weights_version else None


def bout_evidence(
    bout, start: int, end: int, feats, usable, fps: float, prior: RepPrior, novelty=None
) -> dict:
    """Label and count evidence of one bout (frames [start, end) of the sequence); the
    count's is None for a hold. `novelty`: see `label_evidence`."""
    raw = bout.confidence
    label = label_evidence(raw, bout.duration_s, usable[start:end], novelty)
    if bout.hold_s is not None:
        return {"label": label, "count": None}
    reps = [(round(a * fps) - start, round(b * fps) - start) for a, b in bout.rep_times_s]
    count = count_evidence(reps, feats[start:end], usable[start:end], fps, prior, raw)
    return {"label": label, "count": count}


def calibrated(bout, evidence: dict, calibration: Calibration | None):
    """The bout with calibrated confidences (unchanged without a calibration)."""
    if calibration is None:
        return bout
    bout.confidence = round(calibration.label.probability(evidence["label"]), 3)
    if evidence["count"] is not None:
        bout.count_confidence = round(calibration.count.probability(evidence["count"]), 3)
    return bout
