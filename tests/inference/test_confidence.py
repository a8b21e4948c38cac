"""Bout confidences: evidence from the bout, calibration only for the weights it fits."""

import json
import math

import numpy as np
import pytest

from inference import confidence
from inference.analyzer import analyze_sequence
from inference.confidence import COUNT_FEATURES, LABEL_FEATURES, Calibration, Calibrator
from tests.inference.synth_clips import squat_sequence


def _calibrator(features, coef_first=0.0, intercept=0.0):
    n = len(features)
    coef = [coef_first] + [0.0] * (n - 1)
    return Calibrator(list(features), coef, intercept, [0.0] * n, [1.0] * n)


def test_every_bout_gets_label_and_count_evidence(tiny_weights):
    seq, _ = squat_sequence(n_reps=6)
    evidence = []
    result = analyze_sequence(seq, weights=tiny_weights, evidence=evidence)
    assert result.bouts and len(evidence) == len(result.bouts)
    for bout, ev in zip(result.bouts, evidence, strict=True):
        assert set(ev["label"]) == set(LABEL_FEATURES)
        if bout.hold_s is None:
            assert set(ev["count"]) == set(COUNT_FEATURES)
            assert ev["count"]["log_reps"] > 0 or ev["count"]["no_reps"] == 1.0


def test_without_a_calibration_confidence_is_raw_and_count_has_none(tiny_weights):
    seq, _ = squat_sequence(n_reps=6)
    result = analyze_sequence(seq, weights=tiny_weights)
    assert all(b.count_confidence is None for b in result.bouts)


def test_a_calibration_applies_only_to_its_own_weights(tmp_path, tiny_weights, monkeypatch):
    path = tmp_path / "calibration.json"
    # label: p = sigmoid(logit(raw)) = raw; count: always sigmoid(1).
    calibration = Calibration(
        tiny_weights.version,
        _calibrator(LABEL_FEATURES, coef_first=1.0),
        _calibrator(COUNT_FEATURES, intercept=1.0),
    )
    path.write_text(json.dumps(calibration.to_dict()))
    monkeypatch.setattr(confidence, "CALIBRATION_PATH", path)
    monkeypatch.setattr(confidence, "_LOADED", {})
    assert confidence.load_calibration("another-version") is None
    monkeypatch.setattr(confidence, "_LOADED", {path: None})  # as if none shipped
    seq, _ = squat_sequence(n_reps=6)
    raw = analyze_sequence(seq, weights=tiny_weights)
    monkeypatch.setattr(confidence, "_LOADED", {})
    calibrated = analyze_sequence(seq, weights=tiny_weights)
    assert calibrated.bouts
    for before, after in zip(raw.bouts, calibrated.bouts, strict=True):
        assert after.confidence == pytest.approx(
            min(max(before.confidence, 1e-3), 1 - 1e-3), abs=2e-3
        )
        if after.hold_s is None:
            assert after.count_confidence == round(1 / (1 + math.exp(-1.0)), 3)


def test_the_shipped_calibration_fits_the_shipped_weights():
    """Retrained weights need `evaluate --write-calibration` again, or confidences go raw."""
    from inference.heads import load_weights

    calibration = confidence.load_calibration(load_weights().version)
    assert calibration is not None
    assert calibration.label.features == LABEL_FEATURES
    assert calibration.count.features == COUNT_FEATURES


def test_edge_evidence_sees_room_for_a_missed_repetition_and_a_shallow_partial_one():
    t = np.arange(200)
    signal = np.sin(2 * np.pi * t / 40)
    whole = [(i * 40, (i + 1) * 40) for i in range(5)]
    assert confidence._edge_evidence(whole, signal, 200) == {
        "edge_room": 0.0,
        "edge_depth": pytest.approx(1.0, abs=0.01),
        "widest_gap": 0.0,
    }
    signal[160:] *= 0.3  # the last counted repetition is a shallow one
    missed = [(0, 40), (80, 120), (120, 160), (160, 200)]  # the second went uncounted
    ev = confidence._edge_evidence(missed[:-1], signal, 200)
    assert ev["edge_room"] == pytest.approx(1.0) and ev["widest_gap"] == pytest.approx(1.0)
    assert confidence._edge_evidence(missed, signal, 200)["edge_depth"] < 0.5
    assert confidence._edge_evidence([(-3, 40), (40, 230)], signal, 200)["edge_room"] == 0.0
