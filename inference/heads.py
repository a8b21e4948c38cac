"""Torch heads over windows of skeleton features, and the bundle of shipped weights.

`WindowClassifier` is a small dilated temporal CNN (about 90k parameters). The `EngineWeights`
bundle stores its state dict together with everything else training learns (feature
normalisation, label vocabulary, per-exercise repetition priors, typical cadence/amplitude
for the intensity estimate) in one small file, `inference/weights/engine.pt`.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .counting import RepPrior
from .errors import ModelNotTrainedError
from .features import CLASSIFIER_COLUMNS

WEIGHTS_PATH = Path(__file__).resolve().parent / "weights" / "engine.pt"

WINDOW = 30  # frames (3 s at 10 fps): one slow repetition fits
STRIDE = 5  # frames between window starts at inference
IDLE = "idle"  # internal class for rest / setup / transition time
UNKNOWN = "unknown"


class WindowClassifier(nn.Module):
    def __init__(self, in_dim: int, n_classes: int, width: int = 64, dropout: float = 0.2):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(in_dim, width, 5, padding=2),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Conv1d(width, width, 5, padding=4, dilation=2),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Conv1d(width, width, 5, padding=8, dilation=4),
            nn.GELU(),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * width, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, T, F)
        h = self.net(x.transpose(1, 2).contiguous())
        pooled = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        return self.head(pooled)


@dataclass
class EngineWeights:
    labels: list[str]  # classifier outputs: exercises + IDLE
    feat_mean: np.ndarray
    feat_std: np.ndarray
    state_dict: dict
    rep_priors: dict[str, RepPrior] = field(default_factory=dict)
    typical_cadence: dict[str, float] = field(default_factory=dict)  # reps per minute
    version: str = "untrained"
    _model: WindowClassifier | None = field(default=None, repr=False)

    @property
    def exercises(self) -> list[str]:
        return [lab for lab in self.labels if lab != IDLE]

    def model(self) -> WindowClassifier:
        if self._model is None:
            # The heads are tiny: one thread is fastest and leaves the other core to the pose
            # backbone. Set here (first use, in the using process), never at import time.
            if torch.get_num_threads() > 1:
                torch.set_num_threads(1)
            m = WindowClassifier(len(self.feat_mean), len(self.labels))
            m.load_state_dict(self.state_dict)
            m.eval()
            self._model = m
        return self._model

    def prior(self, label: str) -> RepPrior:
        return self.rep_priors.get(label, RepPrior())

    def save(self, path: Path = WEIGHTS_PATH) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "labels": self.labels,
            "feat_mean": torch.from_numpy(self.feat_mean.astype(np.float32)),
            "feat_std": torch.from_numpy(self.feat_std.astype(np.float32)),
            "state_dict": {k: v.detach().cpu().half() for k, v in self.state_dict.items()},
            "rep_priors": {k: v.to_dict() for k, v in self.rep_priors.items()},
            "typical_cadence": self.typical_cadence,
        }
        buf = io.BytesIO()
        torch.save(payload, buf)
        data = buf.getvalue()
        path.write_bytes(data)

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH) -> EngineWeights:
        if not Path(path).exists():
            raise ModelNotTrainedError(
                f"weights not found at {path}; run `python -m inference train --manifest M`"
            )
        data = Path(path).read_bytes()
        p = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        return cls(
            labels=list(p["labels"]),
            feat_mean=p["feat_mean"].numpy(),
            feat_std=p["feat_std"].numpy(),
            state_dict={k: v.float() for k, v in p["state_dict"].items()},
            rep_priors={k: RepPrior(**v) for k, v in p["rep_priors"].items()},
            typical_cadence=dict(p["typical_cadence"]),
            version=hashlib.sha256(data).hexdigest()[:12],
        )


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
    """Per-frame class probabilities (N, C): mean over the windows covering each frame."""
    n = len(feats)
    c = len(w.labels)
    if n == 0:
        return np.zeros((0, c), np.float32)
    x = (feats[:, CLASSIFIER_COLUMNS] - w.feat_mean) / w.feat_std
    if n < WINDOW:
        x = np.concatenate([x, np.repeat(x[-1:], WINDOW - n, axis=0)])
    starts = window_starts(len(x))
    wins = np.stack([x[s : s + WINDOW] for s in starts]).astype(np.float32)
    model = w.model()
    probs = []
    with torch.inference_mode():
        for i in range(0, len(wins), batch):
            probs.append(torch.softmax(model(torch.from_numpy(wins[i : i + batch])), dim=1).numpy())
    probs = np.concatenate(probs)
    acc = np.zeros((len(x), c), np.float64)
    cnt = np.zeros(len(x))
    for s, p in zip(starts, probs, strict=True):
        acc[s : s + WINDOW] += p
        cnt[s : s + WINDOW] += 1
    out = (acc / np.maximum(cnt, 1)[:, None])[:n]
    return out.astype(np.float32)
