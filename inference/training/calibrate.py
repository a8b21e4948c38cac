"""Calibrating the engine's confidences on cross-validated predictions.

Every held-out bout of `evaluate` carries its evidence (`inference.confidence`) and two
truths from the manifest: is its exercise right, is its count exactly right. A logistic
model per question is fitted on them. How well it is calibrated is measured honestly by
cross-fitting over the same repository folds: each fold's bouts are scored by models fitted
on the other folds' bouts only.
"""

from __future__ import annotations

import numpy as np

from ..confidence import COUNT_FEATURES, LABEL_FEATURES, Calibration, Calibrator
from .dataset import NON_EXERCISE, Clip

# Ridge on the standardised coefficients (a few hundred bouts). The count's evidence tells
# right counts from wrong ones only weakly, so its model is held closer to the overall
# rate: cross-fitted Brier 0.2122 -> 0.2088 and 0.2317 -> 0.2270 on two fold-model seeds
# (1.0 for both before); the label's is best at 1.0 on both.
RIDGE = {"label": 1.0, "count": 10.0}
BINS = 10


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def true_label(clip: Clip, start_s: float, end_s: float) -> str:
    """The manifest label covering most of [start_s, end_s) ("idle" for non-exercise)."""
    cover: dict[str, float] = {}
    for b in clip.bouts:
        label = "idle" if b.label in NON_EXERCISE else b.label
        cover[label] = cover.get(label, 0.0) + _overlap(start_s, end_s, b.start, b.end)
    return max(cover, key=cover.get) if cover and max(cover.values()) > 0 else "idle"


def true_reps(clip: Clip, start_s: float, end_s: float) -> float:
    """Repetitions the manifest puts in [start_s, end_s): each true bout's count, shared by
    the part of it the span covers (exact when a predicted bout covers whole true bouts)."""
    total = 0.0
    for b in clip.bouts:
        if b.label in NON_EXERCISE or not b.reps or b.end <= b.start:
            continue
        total += b.reps * _overlap(start_s, end_s, b.start, b.end) / (b.end - b.start)
    return total


def count_is_right(clip: Clip, bout) -> bool:
    truth = round(true_reps(clip, bout.start_s, bout.end_s))
    if bout.reps == truth:
        return True
    # An ambiguous count (manifest reps_alt) is right under either reading.
    return clip.reps_alt is not None and bout.reps == truth + clip.reps_alt - clip.reps


def bout_rows(clip: Clip, result, evidence: list[dict]) -> list[dict]:
    """One row per predicted bout: evidence, raw confidence and truths."""
    rows = []
    for bout, ev in zip(result.bouts, evidence, strict=True):
        rows.append(
            {
                "exercise": bout.exercise,
                "start_s": bout.start_s,
                "end_s": bout.end_s,
                "reps": bout.reps,
                "raw_confidence": bout.confidence,
                "label_evidence": ev["label"],
                "count_evidence": ev["count"],
                "label_ok": bout.exercise == true_label(clip, bout.start_s, bout.end_s),
                "count_ok": None if ev["count"] is None else count_is_right(clip, bout),
            }
        )
    return rows


def fit_logistic(
    x: np.ndarray, y: np.ndarray, features: list[str], ridge: float = RIDGE["label"]
) -> Calibrator:
    """Ridge-penalised logistic regression by Newton's method on standardised features."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], ridge)
    penalty[0] = 0.0  # the intercept is free
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-z @ w))
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return Calibrator(list(features), w[1:].tolist(), float(w[0]), mean.tolist(), scale.tolist())


def _fit(rows: list[dict], kind: str) -> Calibrator:
    features = LABEL_FEATURES if kind == "label" else COUNT_FEATURES
    use = [r for r in rows if r[f"{kind}_evidence"] is not None]
    x = np.array([[r[f"{kind}_evidence"][f] for f in features] for r in use], float)
    y = np.array([float(r[f"{kind}_ok"]) for r in use])
    return fit_logistic(x.reshape(len(use), len(features)), y, features, RIDGE[kind])


def fit_calibration(rows: list[dict], weights_version: str) -> Calibration:
    return Calibration(
        weights_version,
        _fit(rows, "label"),
        _fit(rows, "count"),
    )


def reliability(p: np.ndarray, y: np.ndarray, bins: int = BINS) -> dict:
    """Reliability table (equal-width bins) and expected calibration error."""
    table, ece = [], 0.0
    edges = np.linspace(0, 1, bins + 1)
    for i in range(bins):
        last = i == bins - 1
        m = (p >= edges[i]) & ((p <= edges[i + 1]) if last else (p < edges[i + 1]))
        if not m.any():
            continue
        conf, acc = float(p[m].mean()), float(y[m].mean())
        ece += m.sum() / len(p) * abs(conf - acc)
        label = f"{edges[i]:.1f}-{edges[i + 1]:.1f}"
        table.append({"bin": label, "n": int(m.sum()), "conf": conf, "acc": acc})
    return {"ece": float(ece), "n": int(len(p)), "table": table}


def brier_scores(p: np.ndarray, y: np.ndarray) -> dict:
    """Mean squared error of the probabilities, and that of saying the overall rate to every
    bout: how much the confidence tells one bout from another, which calibration alone
    does not show (a constant at the base rate is perfectly calibrated)."""
    rate = float(y.mean())
    return {"brier": float(np.mean((p - y) ** 2)), "brier_constant": rate * (1 - rate)}


def ece_floor(p: np.ndarray, bins: int = BINS, draws: int = 500, seed: int = 0) -> float:
    """The expected calibration error that a perfectly calibrated engine saying `p` would
    still show on this many bouts (outcomes drawn with exactly those probabilities): the
    sampling noise of the measure itself, which a few hundred bouts leave near 0.05."""
    rng = np.random.default_rng(seed)
    outcomes = (rng.random((draws, len(p))) < p).astype(float)
    return float(np.mean([reliability(p, y, bins)["ece"] for y in outcomes]))


def cross_fitted_report(rows: list[dict]) -> dict:
    """Calibration measured on footage the calibrator did not see: each fold's bouts scored
    by a calibrator fitted on the other folds; raw confidences (label) for comparison."""
    out = {}
    for kind in ("label", "count"):
        use = [r for r in rows if r[f"{kind}_evidence"] is not None]
        p, y = np.zeros(len(use)), np.zeros(len(use))
        for fold in sorted({r["fold"] for r in use}):
            train = [r for r in use if r["fold"] != fold]
            calibrator = _fit(train, kind)
            for i, r in enumerate(use):
                if r["fold"] == fold:
                    p[i] = calibrator.probability(r[f"{kind}_evidence"])
                    y[i] = float(r[f"{kind}_ok"])
        out[kind] = {**reliability(p, y), "ece_floor": ece_floor(p), **brier_scores(p, y)}
        if kind == "label":
            raw = np.array([r["raw_confidence"] for r in use])
            out["label_raw"] = reliability(raw, y)
    return out
