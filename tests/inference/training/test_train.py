"""Window-classifier and bout-classifier training on tiny, separable problems.

The real recipe is measured by `python -m inference evaluate`; this only checks that the
training loop (mixup between exercise windows, idle windows left unblended) still learns.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from inference import bout_classifier  # noqa: E402
from inference.features import sequence_features  # noqa: E402
from inference.heads import WINDOW  # noqa: E402
from inference.training.train import fit_bout_classifier, fit_classifier  # noqa: E402
from tests.inference.synth_clips import alternating_sequence, squat_sequence  # noqa: E402

N_FEATS = 6
CLASSES = 3  # two exercises + idle (last)


def _clip(label: int, n: int, rng) -> np.ndarray:
    """Frames whose first feature oscillates with a class-specific frequency; idle is still."""
    t = np.arange(n) / 10.0
    f = rng.normal(0, 0.1, (n, N_FEATS))
    if label < 2:
        f[:, 0] += np.sin(2 * np.pi * (0.5 + label) * t)
        f[:, 1] += label
    return f.astype(np.float32)


def _dataset(rng, clips_per_class=4, n=120):
    feats, starts, ys, offset = [], [], [], 0
    for label in range(CLASSES):
        for _ in range(clips_per_class):
            feats.append(_clip(label, n, rng))
            for s in range(0, n - WINDOW + 1, 5):
                starts.append(offset + s)
                ys.append(label)
            offset += n
    return np.concatenate(feats), np.array(starts), np.array(ys)


def _predict(model, mean, std, feats, starts):
    x = torch.from_numpy(((feats - mean) / std).astype(np.float32))
    gather = torch.from_numpy(starts)[:, None] + torch.arange(WINDOW)[None, :]
    with torch.no_grad():
        return model(x[gather]).argmax(dim=1).numpy()


def test_window_classifier_learns_with_mixup():
    rng = np.random.default_rng(0)
    feats, starts, ys = _dataset(rng)
    model, mean, std = fit_classifier(feats, starts, ys, CLASSES, steps=60, seed=0, idle=2)
    test_feats, test_starts, test_ys = _dataset(np.random.default_rng(1), clips_per_class=2)
    accuracy = (_predict(model, mean, std, test_feats, test_starts) == test_ys).mean()
    assert accuracy > 0.9


def _desc(seq):
    f, u = sequence_features(seq)
    return bout_classifier.descriptor(f, u)


def test_fit_separates_two_movements_it_was_shown():
    xs, ys = [], []
    for seed in range(6):
        s, _ = squat_sequence(n_reps=4, period_s=2.0 + 0.2 * seed, seed=seed, rest_before_s=0.5)
        xs.append(_desc(s))
        ys.append(0)
        xs.append(_desc(alternating_sequence(n_cycles=3, period_s=2.0 + 0.2 * seed, seed=seed)))
        ys.append(1)
    params = fit_bout_classifier(np.stack(xs), np.array(ys), 3)
    s, _ = squat_sequence(n_reps=5, period_s=2.3, seed=11, rest_before_s=0.5)
    p_squat = bout_classifier.probabilities(params, _desc(s))
    p_alt = bout_classifier.probabilities(params, _desc(alternating_sequence(seed=12)))
    assert abs(p_squat.sum() - 1) < 1e-5
    assert p_squat[0] > 0.5 > p_squat[1] and p_alt[1] > 0.5 > p_alt[0]
    assert p_squat[2] < 0.2  # a class without samples stays unlikely
