"""Confidence calibration: truths from the manifest, the logistic fit, reliability."""

from pathlib import Path

import numpy as np
import pytest

from inference.confidence import COUNT_FEATURES, LABEL_FEATURES
from inference.result import Bout
from inference.training.calibrate import (
    brier_scores,
    count_is_right,
    cross_fitted_report,
    ece_floor,
    fit_logistic,
    reliability,
    true_label,
    true_reps,
)
from inference.training.dataset import Bout as TrueBout
from inference.training.dataset import Clip


def _clip(bouts, reps=6, reps_alt=None):
    return Clip(
        id="c", video_path=Path("c.mp4"), label="squat", reps=reps, rep_unit="full_cycle",
        hold_seconds=None, bouts=bouts, source_repo="r", split="dev", duration_s=30.0,
        reps_alt=reps_alt,
    )  # fmt: skip


def _bout(start, end, reps, exercise="squat"):
    return Bout(exercise, start, end, reps, [], None, 5.0, 1.0, 0.9)


TRUTH = [TrueBout(0, 5, "talking"), TrueBout(5, 20, "squat", 6), TrueBout(20, 30, "idle")]


def test_the_true_label_is_the_one_covering_most_of_the_span():
    clip = _clip(TRUTH)
    assert true_label(clip, 6.0, 19.0) == "squat"
    assert true_label(clip, 0.0, 6.0) == "idle"  # talking is not an exercise
    assert true_label(clip, 18.0, 29.0) == "idle"


def test_true_reps_share_a_bout_by_the_part_covered():
    clip = _clip(TRUTH)
    assert true_reps(clip, 4.0, 21.0) == 6.0
    assert true_reps(clip, 5.0, 12.5) == 3.0
    assert count_is_right(clip, _bout(4.0, 21.0, 6))
    assert not count_is_right(clip, _bout(4.0, 21.0, 7))


def test_an_ambiguous_count_is_right_under_either_reading():
    clip = _clip(TRUTH, reps=6, reps_alt=7)
    assert count_is_right(clip, _bout(4.0, 21.0, 7))
    assert not count_is_right(clip, _bout(4.0, 21.0, 8))


def test_the_fit_recovers_a_known_probability():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 1))
    y = (rng.random(4000) < 1 / (1 + np.exp(-(0.5 + 2.0 * x[:, 0])))).astype(float)
    model = fit_logistic(x, y, ["x"])
    for value in (-1.0, 0.0, 1.0):
        expected = 1 / (1 + np.exp(-(0.5 + 2.0 * value)))
        assert abs(model.probability({"x": value}) - expected) < 0.03


def test_reliability_of_calibrated_and_overconfident_scores():
    rng = np.random.default_rng(1)
    p = rng.random(20000)
    y = (rng.random(20000) < p).astype(float)
    assert reliability(p, y)["ece"] < 0.02
    overconfident = reliability(np.full(1000, 0.95), np.r_[np.ones(600), np.zeros(400)])
    assert abs(overconfident["ece"] - 0.35) < 1e-9
    assert overconfident["table"] == [
        {"bin": "0.9-1.0", "n": 1000, "conf": pytest.approx(0.95), "acc": pytest.approx(0.6)}
    ]


def test_cross_fitting_scores_each_fold_with_the_other_folds_model():
    """Overconfident raw scores become calibrated probabilities on held-out folds."""
    rng = np.random.default_rng(2)
    rows = []
    for i in range(1200):
        quality = rng.normal()
        right = rng.random() < 1 / (1 + np.exp(-quality))
        raw = 0.97 + 0.02 * np.tanh(quality)  # says ~0.97 whatever happens
        evidence = dict.fromkeys(LABEL_FEATURES, 0.0)
        evidence.update(logit=np.log(raw / (1 - raw)), log_duration=quality)
        count = dict.fromkeys(COUNT_FEATURES, 0.0)
        count["periodicity"] = quality
        rows.append(
            {
                "fold": i % 6,
                "raw_confidence": raw,
                "label_evidence": evidence,
                "label_ok": right,
                "count_evidence": count,
                "count_ok": right,
            }
        )
    report = cross_fitted_report(rows)
    assert report["label_raw"]["ece"] > 0.3
    assert report["label"]["ece"] < 0.05
    assert report["count"]["ece"] < 0.05


def test_the_ece_floor_is_the_noise_of_a_perfectly_calibrated_engine():
    rng = np.random.default_rng(5)
    p = rng.uniform(0.3, 1.0, size=250)
    floor = ece_floor(p)
    assert 0.02 < floor < 0.1  # a few hundred bouts: near 0.05 however good the engine
    assert ece_floor(np.repeat(p, 40)) < floor / 3  # forty times the bouts: far less noise


def test_brier_scores_tell_a_telling_confidence_from_a_constant():
    y = np.array([1.0, 1.0, 0.0, 0.0])
    sharp = brier_scores(np.array([0.9, 0.8, 0.1, 0.2]), y)
    constant = brier_scores(np.full(4, 0.5), y)
    assert sharp["brier"] < sharp["brier_constant"] == constant["brier"] == 0.25
