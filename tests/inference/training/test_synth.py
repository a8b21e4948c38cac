"""Synthetic clips (inference/training/synth.py): each rule adds the motion it describes."""

import numpy as np
import pytest

from inference.features import ANGLE_SLICE, L_AN, R_AN, sequence_features
from inference.training import synth
from inference.training.dataset import Bout, Clip
from tests.inference.synth_clips import FPS, squat_sequence


def _standing(seconds=6.0, seed=0):
    seq, _ = squat_sequence(
        n_reps=0, rest_before_s=seconds / 2, rest_after_s=seconds / 2, seed=seed
    )
    return seq


def _knee_angles(seq):
    return sequence_features(seq)[0][:, ANGLE_SLICE][:, 6:8] * 180


def _hip_height_px(seq):
    return (seq.image[:, 23, 1] + seq.image[:, 24, 1]) / 2


def test_standing_source_is_found_and_lying_is_not():
    seq, _ = squat_sequence(n_reps=0, rest_before_s=3, rest_after_s=3, noise=0.002)
    runs = synth.standing_stretches(seq, FPS)
    assert runs and runs[0][1] - runs[0][0] >= len(seq) - 2
    assert synth.lying_prone_stretches(seq, FPS) == []
    assert synth.lying_supine_stretches(seq, FPS) == []


def test_high_knees_bend_each_knee_in_turn():
    base = _standing()
    out = synth.high_knees(base, np.random.default_rng(1))
    knees = _knee_angles(out)
    assert _knee_angles(base).min() > 150
    assert knees[:, 0].min() < 110 and knees[:, 1].min() < 110
    # alternating: the two knees are not bent at the same time
    assert np.minimum(knees[:, 0], knees[:, 1]).max() > 150
    assert np.isfinite(out.world).all() and np.isfinite(out.image).all()


def test_plank_jack_moves_the_feet_apart_and_together():
    base = _standing()
    out = synth.plank_jack(base, np.random.default_rng(2))
    gap = np.linalg.norm(out.world[:, L_AN] - out.world[:, R_AN], axis=-1)
    gap0 = np.linalg.norm(base.world[:, L_AN] - base.world[:, R_AN], axis=-1)
    assert gap.max() > gap0.mean() + 0.15 and gap.min() < gap0.mean() + 0.05


def test_jump_squat_adds_a_flight_phase_in_the_image_only():
    base, _ = squat_sequence(n_reps=5, period_s=2.0, rest_before_s=0.5, rest_after_s=0.5)
    out = synth.jump_squat(base, np.random.default_rng(3))
    np.testing.assert_allclose(out.world, base.world)
    rise = _hip_height_px(base) - _hip_height_px(out)  # image y points down
    assert rise.max() > 0.05 and (rise >= -1e-6).all()


def test_bridge_raises_the_hips_with_bent_knees():
    base = _standing()
    out = synth.glute_bridge(base, np.random.default_rng(4))
    feats = sequence_features(out)[0]
    knees = feats[:, ANGLE_SLICE][:, 6:8] * 180
    hips = feats[:, ANGLE_SLICE][:, 4:6] * 180
    assert 70 < np.median(knees) < 110
    assert hips.max() - hips.min() > 30  # hip extension cycle


def test_synthetic_clips_come_only_from_the_given_clips_and_are_reproducible():
    seqs = {"a": _standing(seed=1), "b": _standing(seed=2)}
    clips = [
        Clip(cid, None, "idle", 0, "full_cycle", None, [Bout(0, 6, "idle")], cid, "dev", 6.0)
        for cid in ("a",)
    ]
    first = list(synth.synthetic_clips(clips, seqs, np.random.default_rng(0), per_label=3))
    again = list(synth.synthetic_clips(clips, seqs, np.random.default_rng(0), per_label=3))
    assert {src for _, src, _ in first} == {"a"}
    assert {lab for lab, _, _ in first} == {"high_knees", "jump_rope", "step_up"}
    for (_, _, x), (_, _, y) in zip(first, again, strict=True):
        np.testing.assert_array_equal(x.world, y.world)


@pytest.mark.parametrize("recipe", synth.RECIPES, ids=lambda r: r.label)
def test_every_rule_gives_finite_landmarks(recipe):
    base, _ = squat_sequence(n_reps=3, period_s=2.0, rest_before_s=1, rest_after_s=1)
    out = recipe.make(base, np.random.default_rng(5))
    assert out is not None and len(out) == len(base)
    feats, usable = sequence_features(out)
    assert np.isfinite(feats).all() and usable.all()


def test_moving_arms_are_not_a_standing_source():
    seq, _ = squat_sequence(n_reps=0, rest_before_s=3, rest_after_s=3, noise=0.002)
    moved = synth._arm_swing(seq.world, np.arange(len(seq)) / FPS / 1.5, 1.0, 0.5)
    moving = synth._with_world(seq, moved, synth.camera_matrix(seq.world, seq.image))
    assert synth.standing_stretches(moving, FPS) == []
