"""The custom exercises' embedding metric for a set of weights (`custom.EmbeddingMetric`).

Fitted on the true exercise bouts of the clips the weights were trained on (each bout and
its mirror image, standardised as `custom.standardised` does), and written next to the
weights (`custom.METRIC_PATH`) by `python -m inference train`; `python -m
inference.training.metric` writes it for the shipped weights on their own.
"""

from __future__ import annotations

import numpy as np

from ..custom import METRIC_PATH, EmbeddingMetric, fit_metric, standardised
from ..features import mirror, sequence_features
from ..heads import EngineWeights, load_weights
from .train import exercise_bouts, load_clips


def bout_descriptors(clips, seqs, weights: EngineWeights) -> tuple[np.ndarray, np.ndarray]:
    """(standardised descriptors, labels) of every true exercise bout of `clips`."""
    xs, ys = [], []
    for c in clips:
        seq = seqs[c.id]
        feats, usable = sequence_features(seq)
        mirrored, _ = sequence_features(mirror(seq))
        for b in exercise_bouts(c):
            a, e = int(b.start * seq.fps), min(len(seq), int(np.ceil(b.end * seq.fps)))
            z = standardised(feats[a:e], mirrored[a:e], usable[a:e], weights)
            if z is not None:
                xs.append(z)
                ys.append(b.label)
    return np.stack(xs), np.array(ys)


def metric_for_clips(clips, seqs, weights: EngineWeights) -> EmbeddingMetric:
    x, y = bout_descriptors(clips, seqs, weights)
    return fit_metric(x, y, weights.version)


def main(manifest: str | None = None) -> None:
    from .cli import DEFAULT_MANIFEST

    clips, seqs = load_clips(str(manifest or DEFAULT_MANIFEST), None)
    clips = [c for c in clips if c.split == "dev"]
    metric = metric_for_clips(clips, seqs, load_weights())
    METRIC_PATH.write_bytes(metric.to_bytes())
    print(f"wrote {METRIC_PATH} for weights {metric.weights_version}")


if __name__ == "__main__":
    main()
