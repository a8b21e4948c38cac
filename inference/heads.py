"""The exercise classifier at inference time, and the bundle of shipped weights.

The classifier (`training.model.WindowClassifier`, a dilated temporal CNN of about 60k
parameters) is trained in torch; here the same forward pass runs in numpy so analysing a
video does not need torch (see training/model.py for why). `EngineWeights` stores the
network parameters together with everything else training learns (feature normalisation,
label vocabulary, per-exercise counting priors, typical cadence) in one small file,
`inference/weights/engine.npz` (float16 parameters, JSON metadata; no pickle).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from .counting import RepPrior, default_prior
from .errors import ModelNotTrainedError
from .features import CLASSIFIER_COLUMNS, LEGACY_CLASSIFIER_COLUMNS

WEIGHTS_PATH = Path(__file__).resolve().parent / "weights" / "engine.npz"

WINDOW = 30  # frames (3 s at 10 fps): one slow repetition fits
STRIDE = 5  # frames between window starts at inference
IDLE = "idle"  # internal class for rest / setup / transition time
UNKNOWN = "unknown"
DILATIONS = (1, 2, 4)  # of the window classifier's convolutions (training.model too)
LIVE_SUFFIX = "-live"  # EngineWeights.for_live's version: the full weights' and this


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU as torch.nn.GELU(); erf by Abramowitz-Stegun 7.1.26 (|err| < 1.5e-7)."""
    z = np.abs(x) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return 0.5 * x * (1.0 + erf)


def window_logits(x: np.ndarray, params: dict) -> np.ndarray:
    """Forward pass of WindowClassifier in numpy. x: (B, T, F) -> (B, classes).

    Each dilated convolution is one matrix product: the K shifted copies of the input side
    by side (B*T rows of K*I columns) times the kernel as a (K*I, O) matrix, which BLAS runs
    several times faster than the equivalent einsum."""
    h = np.ascontiguousarray(x, dtype=np.float32)  # (B, T, C): channels last
    n, t, _ = h.shape
    for i, d in enumerate(DILATIONS):
        w, b = params[f"conv{i}.weight"], params[f"conv{i}.bias"]  # (O, I, K), (O,)
        out, inp, k = w.shape
        pad = d * (k // 2)
        hp = np.pad(h, ((0, 0), (pad, pad), (0, 0)))
        taps = np.concatenate([hp[:, j * d : j * d + t] for j in range(k)], axis=2)
        kernel = w.transpose(2, 1, 0).reshape(k * inp, out)  # rows ordered as taps' columns
        h = _gelu((taps.reshape(n * t, k * inp) @ kernel + b).reshape(n, t, out))
    pooled = np.concatenate([h.mean(axis=1), h.max(axis=1)], axis=1)
    return pooled @ params["head.weight"].T + params["head.bias"]


def member_prefix(i: int) -> str:
    """Key prefix of the i-th window classifier of an ensemble in `EngineWeights.params`."""
    return f"member{i}."


def classifier_members(params: dict) -> list[dict]:
    """The window classifiers in `params`, each as window_logits' parameter dict: the
    members of an ensemble, or the single unprefixed network of older weight files."""
    if "conv0.weight" in params:
        return [params]
    members = []
    while f"{member_prefix(len(members))}conv0.weight" in params:
        pre = member_prefix(len(members))
        members.append({k[len(pre) :]: v for k, v in params.items() if k.startswith(pre)})
    return members


@dataclass
class EngineWeights:
    labels: list[str]  # classifier outputs: exercises + IDLE
    feat_mean: np.ndarray
    feat_std: np.ndarray
    params: dict  # numpy parameters, see window_logits
    rep_priors: dict[str, RepPrior] = field(default_factory=dict)
    typical_cadence: dict[str, float] = field(default_factory=dict)  # reps per minute
    version: str = "untrained"
    #: feature columns the classifier reads (weights trained before the posture block was
    #: added keep working: files without this field use the legacy columns)
    columns: np.ndarray = field(default_factory=lambda: CLASSIFIER_COLUMNS.copy())

    @property
    def exercises(self) -> list[str]:
        return [lab for lab in self.labels if lab != IDLE]

    @property
    def classifiers(self) -> list[dict]:
        """Parameters of each window classifier (an ensemble is averaged)."""
        return classifier_members(self.params)

    @cached_property
    def for_live(self) -> EngineWeights:
        """The same weights with only the first window classifier of an ensemble, for live
        estimates: they re-analyse the last 30 s every second, where three members would
        triple the classifier's share of the CPU. Saved results use every member."""
        members = self.classifiers
        if len(members) <= 1:
            return self
        prefixes = tuple(member_prefix(i) for i in range(len(members)))
        shared = {k: v for k, v in self.params.items() if not k.startswith(prefixes)}
        params = {**shared, **{member_prefix(0) + k: v for k, v in members[0].items()}}
        return replace(self, params=params, version=f"{self.version}{LIVE_SUFFIX}")

    @property
    def has_bout_classifier(self) -> bool:
        return "bout.weight" in self.params

    def prior(self, label: str) -> RepPrior:
        return self.rep_priors.get(label) or default_prior(label)

    def to_bytes(self) -> bytes:
        meta = {
            "labels": self.labels,
            "rep_priors": {k: v.to_dict() for k, v in self.rep_priors.items()},
            "typical_cadence": self.typical_cadence,
            "columns": [int(c) for c in self.columns],
        }
        arrays = {f"param/{k}": v.astype(np.float16) for k, v in self.params.items()}
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            meta=np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8),
            feat_mean=self.feat_mean.astype(np.float32),
            feat_std=self.feat_std.astype(np.float32),
            **arrays,
        )
        return buf.getvalue()

    def save(self, path: Path = WEIGHTS_PATH) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> EngineWeights:
        z = np.load(io.BytesIO(data), allow_pickle=False)
        meta = json.loads(bytes(z["meta"]).decode())
        params = {
            k[len("param/") :]: z[k].astype(np.float32) for k in z.files if k.startswith("param/")
        }
        return cls(
            labels=list(meta["labels"]),
            feat_mean=z["feat_mean"],
            feat_std=z["feat_std"],
            params=params,
            rep_priors={k: RepPrior(**v) for k, v in meta["rep_priors"].items()},
            typical_cadence=dict(meta["typical_cadence"]),
            columns=np.array(meta.get("columns", LEGACY_CLASSIFIER_COLUMNS), dtype=int),
            version=hashlib.sha256(data).hexdigest()[:12],
        )

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH) -> EngineWeights:
        if not Path(path).exists():
            raise ModelNotTrainedError(
                f"weights not found at {path}; run `python -m inference train --manifest M`"
            )
        return cls.from_bytes(Path(path).read_bytes())


_CACHED: dict[str, EngineWeights] = {}


def load_weights(path: Path = WEIGHTS_PATH) -> EngineWeights:
    """Shipped weights, loaded once per process (lazily: never at import time)."""
    key = str(path)
    if key not in _CACHED:
        _CACHED[key] = EngineWeights.load(path)
    return _CACHED[key]


def window_starts(n: int, window: int = WINDOW, stride: int = STRIDE) -> list[int]:
    if n <= window:
        return [0]
    starts = list(range(0, n - window + 1, stride))
    if starts[-1] != n - window:
        starts.append(n - window)  # cover the tail
    return starts


def frame_probabilities(
    feats: np.ndarray, usable: np.ndarray, w: EngineWeights, batch: int = 256
) -> np.ndarray:
    """Per-frame class probabilities (N, C): mean over the windows covering each frame
    (and over the members of an ensemble)."""
    n = len(feats)
    c = len(w.labels)
    if n == 0:
        return np.zeros((0, c), np.float32)
    x = (feats[:, w.columns] - w.feat_mean) / w.feat_std
    if n < WINDOW:
        x = np.concatenate([x, np.repeat(x[-1:], WINDOW - n, axis=0)])
    starts = window_starts(len(x))
    wins = np.stack([x[s : s + WINDOW] for s in starts]).astype(np.float32)
    probs = np.zeros((len(wins), c))
    members = w.classifiers
    for params in members:
        for i in range(0, len(wins), batch):
            logits = window_logits(wins[i : i + batch], params)
            logits -= logits.max(axis=1, keepdims=True)
            e = np.exp(logits)
            probs[i : i + batch] += e / e.sum(axis=1, keepdims=True)
    probs /= len(members)
    acc = np.zeros((len(x), c), np.float64)
    cnt = np.zeros(len(x))
    for s, p in zip(starts, probs, strict=True):
        acc[s : s + WINDOW] += p
        cnt[s : s + WINDOW] += 1
    out = (acc / np.maximum(cnt, 1)[:, None])[:n]
    return out.astype(np.float32)
