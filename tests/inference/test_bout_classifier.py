"""The whole-bout classifier: pooled descriptors and their use in segmentation (its fitting:
training/test_train.py)."""

import numpy as np

from inference import bout_classifier
from inference.features import sequence_features
from inference.heads import EngineWeights
from inference.postprocess import segment
from inference.training.train import fit_bout_classifier
from tests.inference.synth_clips import squat_sequence


def _desc(seq):
    f, u = sequence_features(seq)
    return bout_classifier.descriptor(f, u)


def test_descriptor_is_finite_and_needs_enough_frames():
    seq, _ = squat_sequence(n_reps=3)
    f, u = sequence_features(seq)
    d = bout_classifier.descriptor(f, u)
    assert d.ndim == 1 and np.isfinite(d).all()
    assert bout_classifier.descriptor(f[:5], u[:5]) is None
    assert bout_classifier.descriptor(f, np.zeros_like(u)) is None


def _heights(points_y, torso):
    """image_heights-like columns: heights (up = larger) of the 7 points, then the torso."""
    return np.column_stack([-np.asarray(points_y).T, torso]).astype(np.float32)


def test_image_travel_says_which_parts_move_in_the_picture():
    t = np.linspace(0, 4 * np.pi, 80)
    still = np.full(80, 0.5)
    wave = 0.5 + 0.1 * np.sin(t)  # 0.1 frame heights up and down = 0.4 torso lengths
    # a press: hands move, shoulders, hips and feet stay; the torso looks shorter and
    # longer in the picture as the person leans (a per-frame ratio would move every joint)
    torso = 0.25 + 0.05 * np.sin(t / 2)
    press = bout_classifier.image_travel(
        _heights([still, still, still, wave, wave, still, still], torso)
    )
    travel = np.exp(press) - 0.05
    assert travel[:3].max() < 0.01  # nose, shoulders, hips
    assert travel[3:5].min() > 0.3  # both wrists (less and more moving side)
    assert travel[5:].max() < 0.01  # ankles
    # a jump: everything rises and falls together, ankles included
    jump = np.exp(bout_classifier.image_travel(_heights([wave] * 7, np.full(80, 0.25)))) - 0.05
    assert jump.min() > 0.5
    # one-sided movement gives the same numbers as its mirror image
    left = _heights([still, still, still, wave, still, still, still], torso)
    right = _heights([still, still, still, still, wave, still, still], torso)
    np.testing.assert_allclose(
        bout_classifier.image_travel(left), bout_classifier.image_travel(right)
    )


def test_segment_combines_the_bout_classifier_with_the_windows():
    labels = ["squat", "lunge", "idle"]
    n = 60
    probs = np.tile([0.5, 0.4, 0.1], (n, 1)).astype(np.float32)
    usable = np.ones(n, bool)
    assert [s.label for s in segment(probs, usable, labels, 10.0)] == ["squat"]
    flip = segment(probs, usable, labels, 10.0, lambda a, b: np.array([0.1, 0.85, 0.05]))
    assert [s.label for s in flip] == ["lunge"]
    same = segment(probs, usable, labels, 10.0, lambda a, b: None)
    assert [s.label for s in same] == ["squat"]


def test_weights_keep_the_bout_classifier_and_their_feature_columns(tiny_weights, tmp_path):
    params = dict(tiny_weights.params)
    params.update(
        fit_bout_classifier(np.random.default_rng(0).normal(size=(12, 4)), np.arange(12) % 3, 3)
    )
    w = EngineWeights(tiny_weights.labels, tiny_weights.feat_mean, tiny_weights.feat_std, params)
    p = tmp_path / "w.npz"
    w.save(p)
    back = EngineWeights.load(p)
    assert back.has_bout_classifier and not tiny_weights.has_bout_classifier
    np.testing.assert_array_equal(back.columns, w.columns)
