"""Few-shot evaluation of custom exercises (`python -m inference custom evaluate`).

Filled in below; `drop_label` is the cheap stand-in for a built-in model that never
learned a label (its output rows removed), used by tests.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..heads import EngineWeights, classifier_members, member_prefix


def drop_label(weights: EngineWeights, label: str) -> EngineWeights:
    """The weights without one exercise class: its rows of every window classifier's and
    the bout classifier's output layer removed (the softmax spreads over the others). Not
    a model trained without the label (its features were still learned from it), but a
    quick stand-in."""
    k = weights.labels.index(label)
    keep = [i for i in range(len(weights.labels)) if i != k]
    params = dict(weights.params)
    members = classifier_members(weights.params)
    prefixes = (
        [""]
        if "conv0.weight" in weights.params
        else [member_prefix(i) for i in range(len(members))]
    )
    for pre in prefixes:
        params[f"{pre}head.weight"] = weights.params[f"{pre}head.weight"][keep]
        params[f"{pre}head.bias"] = weights.params[f"{pre}head.bias"][keep]
    if weights.has_bout_classifier:  # its outputs are indexed like `labels` (idle too)
        params["bout.weight"] = weights.params["bout.weight"][keep]
        params["bout.bias"] = weights.params["bout.bias"][keep]
    return replace(
        weights,
        labels=[lab for lab in weights.labels if lab != label],
        params=params,
        rep_priors={k2: v for k2, v in weights.rep_priors.items() if k2 != label},
        typical_cadence={k2: v for k2, v in weights.typical_cadence.items() if k2 != label},
        version=f"{weights.version}-without-{label}",
    )


__all__ = ["drop_label", "np"]


def fewshot_command(a) -> int:
    raise SystemExit("custom evaluate: not yet")
