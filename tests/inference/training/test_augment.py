"""Training augmentation: each random version keeps the clip's shape and timing bookkeeping,
and the drifting per-joint offsets are slow, not white noise."""

import numpy as np

from inference.training import augment
from inference.training.augment import _smooth_offsets, random_augment
from tests.inference.synth_clips import squat_sequence


def test_drifting_offsets_have_unit_variance_and_move_slowly():
    x = _smooth_offsets(np.random.default_rng(0), 400, 33, sigma=5)
    assert x.shape == (400, 33, 3)
    assert 0.8 < x.std() < 1.2
    # Neighbouring frames nearly agree (white noise: correlation ~0); 3 s apart they don't.
    flat = x.reshape(400, -1)
    near = np.mean([np.corrcoef(flat[:-1, j], flat[1:, j])[0, 1] for j in range(99)])
    far = np.mean([np.corrcoef(flat[:-30, j], flat[30:, j])[0, 1] for j in range(99)])
    assert near > 0.9 and abs(far) < 0.2


def test_random_augment_moves_joints_by_a_few_centimetres_and_maps_frames_back(monkeypatch):
    seq, _ = squat_sequence(n_reps=3, period_s=2.0)
    out, src = random_augment(seq, np.random.default_rng(1))
    assert len(out) == len(src) and src.min() >= 0 and src.max() < len(seq)
    assert np.isfinite(out.world[out.present]).all()
    monkeypatch.setattr(augment, "SMOOTH_NOISE", 0.0)
    plain, _ = random_augment(seq, np.random.default_rng(1))
    # Same draws up to the drift, so the difference is the drift itself (scaled).
    diff = np.linalg.norm(out.world - plain.world, axis=-1)[out.present]
    assert 0.01 < np.median(diff) < 0.15
