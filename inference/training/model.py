"""The window classifier as a torch module (training side).

Inference runs the same network in numpy (`heads.window_logits`), so the analysis path
does not import torch: ~250 MB less resident memory per worker, faster start-up, and no
torch thread pool to trip over in forked Celery children. `tests/inference` checks that
both give the same outputs.
"""

from __future__ import annotations

import torch
from torch import nn

from ..heads import DILATIONS

WIDTH = 64
KERNEL = 5


class WindowClassifier(nn.Module):
    """Dilated temporal CNN over (batch, time, features) windows -> class logits."""

    def __init__(self, in_dim: int, n_classes: int, width: int = WIDTH, dropout: float = 0.2):
        super().__init__()
        layers = []
        dim = in_dim
        for i, d in enumerate(DILATIONS):
            conv = nn.Conv1d(dim, width, KERNEL, padding=d * (KERNEL // 2), dilation=d)
            layers += [conv, nn.GELU()]
            if i < len(DILATIONS) - 1:
                layers.append(nn.Dropout(dropout))
            dim = width
        self.net = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * width, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, T, F)
        h = self.net(x.transpose(1, 2).contiguous())
        pooled = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        return self.head(pooled)


def state_to_numpy(model: WindowClassifier, prefix: str = "") -> dict:
    """Parameters in the layout `heads.window_logits` expects (keys start with `prefix`:
    `heads.member_prefix(i)` for the i-th member of an ensemble)."""
    sd = {k: v.detach().cpu().float().numpy() for k, v in model.state_dict().items()}
    convs = sorted({k.split(".")[1] for k in sd if k.startswith("net.")}, key=int)
    out = {}
    for i, idx in enumerate(convs):
        out[f"{prefix}conv{i}.weight"] = sd[f"net.{idx}.weight"]
        out[f"{prefix}conv{i}.bias"] = sd[f"net.{idx}.bias"]
    out[f"{prefix}head.weight"] = sd["head.1.weight"]
    out[f"{prefix}head.bias"] = sd["head.1.bias"]
    return out
