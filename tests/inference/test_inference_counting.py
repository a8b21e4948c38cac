from pathlib import Path

import numpy as np
import pytest
from inference_synth import FPS, alternating_sequence, squat_sequence

from inference import counting
from inference.counting import RepPrior, count_cycles, count_reps, default_prior
from inference.dataset import Bout, Clip
from inference.features import ANGLE_SLICE, FEATURE_DIM, mirror, sequence_features
from inference.train import fit_rep_priors


@pytest.mark.parametrize("n_reps,period", [(6, 2.5), (10, 1.2), (4, 4.0)])
def test_synthetic_squats_are_counted_with_their_times(n_reps, period):
    seq, true_reps = squat_sequence(n_reps=n_reps, period_s=period)
    feats, usable = sequence_features(seq)
    assert feats.shape == (len(seq), FEATURE_DIM) and usable.all()
    rc = count_reps(feats, FPS)
    assert rc.reps == n_reps
    assert rc.period_s == pytest.approx(period, rel=0.15)
    times = np.array(rc.rep_frames) / FPS
    # Each rep starts when the person leaves standing and ends when they are back: within a
    # fifth of a period of the true standing instants, in order and not overlapping.
    np.testing.assert_allclose(times, np.array(true_reps), atol=0.2 * period)
    assert (times[:, 1] > times[:, 0]).all() and (times[1:, 0] >= times[:-1, 1] - 1e-9).all()


def test_counting_is_mirror_invariant():
    seq, _ = squat_sequence(n_reps=5, period_s=2.0, seed=3)
    a = count_reps(sequence_features(seq)[0], FPS).reps
    b = count_reps(sequence_features(mirror(seq))[0], FPS).reps
    assert a == b == 5


def test_partial_rep_at_the_end_is_not_counted():
    t = np.arange(0, 11.25, 0.1)  # 4.5 cycles of period 2.5: ends at the turning point
    s = np.cos(2 * np.pi * t / 2.5)
    assert len(count_cycles(s, 25)) == 4


def test_no_motion_counts_nothing():
    rng = np.random.default_rng(0)
    assert (
        count_cycles(rng.normal(0, 0.01, 100), None) == []
        or len(count_cycles(rng.normal(0, 0.01, 100), None)) < 20
    )  # noise: never a clean count
    seq, _ = squat_sequence(n_reps=0, rest_before_s=5, rest_after_s=5)
    assert count_reps(sequence_features(seq)[0], FPS).reps == 0


def test_per_side_prior_splits_one_sided_cycles_only():
    # Alternating legs: each side alone repeats once per left-right cycle (4 cycles = 8
    # per-side reps); the left+right sum is flat, so the counter follows one side and a
    # per-side prior splits each cycle in two.
    feats = sequence_features(alternating_sequence(n_cycles=4, period_s=2.5))[0]
    assert count_reps(feats, FPS).reps == 4
    assert count_reps(feats, FPS, RepPrior(cycles_per_rep=0.5)).reps == 8
    # Both sides together (squats): the dominant signal is already once per movement.
    seq, _ = squat_sequence(n_reps=4, period_s=2.5)
    feats = sequence_features(seq)[0]
    assert count_reps(feats, FPS, RepPrior(cycles_per_rep=0.5)).reps == 4
    assert count_reps(feats, FPS, RepPrior(cycles_per_rep=2.0)).reps == 2


def test_per_side_exercises_default_to_per_side_counting():
    assert default_prior("high_knees").cycles_per_rep == 0.5
    assert default_prior("squat") == RepPrior()


def _alternating_features(n_moves=8, period_s=1.5, rest_s=2.0, fps=FPS):
    """Feature matrix of alternating knee bends: the left knee bends on odd movements, the
    right on even ones, so each knee repeats once per two movements and their sum once per
    movement (alternating lunges)."""
    n = int(round((2 * rest_s + n_moves * period_s) * fps))
    t = np.arange(n) / fps - rest_s
    active = (t >= 0) & (t < n_moves * period_s)
    wave = np.where(active, np.sin(np.pi * t / period_s), 0.0)
    feats = np.zeros((n, FEATURE_DIM), np.float32)
    knees = ANGLE_SLICE.start + 6
    feats[:, knees] = 1.0 - 0.5 * np.maximum(wave, 0.0)  # left knee: 1.0 = straight
    feats[:, knees + 1] = 1.0 - 0.5 * np.maximum(-wave, 0.0)  # right knee
    return feats


def test_shorter_period_wins_when_nearly_as_periodic():
    # Each knee alone is a clean signal at the left-right cycle; their sum repeats at every
    # movement. Following the longer period would count 4 (half the movements).
    feats = _alternating_features(n_moves=8)
    rc = count_reps(feats, FPS)
    assert rc.reps == 8
    assert rc.period_s == pytest.approx(1.5, rel=0.15)
    # ... and a per-side prior does not split a signal that is already once per side.
    assert count_reps(feats, FPS, RepPrior(cycles_per_rep=0.5)).reps == 8


def test_without_the_preference_the_longer_period_is_followed(monkeypatch):
    # The same sequence with the preference disabled: the guard above is what makes it 8.
    monkeypatch.setattr(counting, "PREFER_SHORT", 0.0)
    assert count_reps(_alternating_features(n_moves=8), FPS).reps == 4


def _squat_clip(cid, n_moves, true_reps, seed):
    seq, _ = squat_sequence(n_reps=n_moves, period_s=2.0, seed=seed)
    bout = Bout(0.0, len(seq) / FPS, "squat", true_reps, None)
    clip = Clip(
        cid,
        Path(f"{cid}.mp4"),
        "squat",
        true_reps,
        "full_cycle",
        None,
        [bout],
        cid,
        "dev",
        len(seq) / FPS,
    )
    return clip, seq


def test_a_prior_is_learned_only_on_more_than_one_bout_of_evidence():
    # Clips whose annotation counts one rep per two movements: a 2-cycles-per-rep prior
    # fits them exactly, the neutral one is off by 100% per bout.
    made = [_squat_clip(f"c{k}", 6, 3, seed=k) for k in range(3)]
    seqs = {c.id: s for c, s in made}
    clips = [c for c, _ in made]
    one, _ = fit_rep_priors(clips[:1], seqs, ["squat"])
    assert "squat" not in one  # one bout could be an annotation quirk
    three, _ = fit_rep_priors(clips, seqs, ["squat"])
    assert three["squat"].cycles_per_rep == 2.0
