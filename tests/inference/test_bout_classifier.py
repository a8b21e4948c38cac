"""The whole-bout classifier: pooled descriptors and their use in segmentation (its fitting:
training/test_train.py)."""

import numpy as np
import pytest

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


def test_shrunk_covariance_is_the_sample_one_with_plenty_of_rows_and_invertible_with_few():
    rng = np.random.default_rng(0)
    true = np.diag([4.0, 1.0, 0.25])
    many = rng.multivariate_normal(np.zeros(3), true, size=20000)
    assert np.allclose(bout_classifier.shrunk_covariance(many), true, atol=0.1)
    few = rng.normal(size=(5, 40))  # fewer rows than dimensions: the sample one is singular
    np.linalg.cholesky(bout_classifier.shrunk_covariance(few))


def test_novelty_is_small_for_a_taught_exercise_and_large_for_one_never_taught():
    rng = np.random.default_rng(1)
    centres = rng.normal(0, 3, size=(3, 12))
    x = np.concatenate([c + rng.normal(size=(200, 12)) for c in centres[:2]]).astype(np.float32)
    y = np.repeat([0, 1], 200)
    params = fit_bout_classifier(x, y, n_classes=3)
    assert list(params["bout.taught"]) == [1.0, 1.0, 0.0]
    taught = [bout_classifier.novelty(params, c + rng.normal(size=12), 0) for c in centres[:1]]
    never = bout_classifier.novelty(params, centres[2] + rng.normal(size=12), 0)
    assert taught[0] < 3 and never > 3 * taught[0]
    # Named as the exercise nobody taught, it is measured against the nearest taught one.
    assert bout_classifier.novelty(params, centres[1], 2) < 1
    assert bout_classifier.novelty({"bout.mean": params["bout.mean"]}, centres[0], 0) is None


def test_novelty_is_the_mahalanobis_distance_under_the_shared_covariance():
    # Strongly correlated spread: a plain Euclidean distance, a transposed whitening or the
    # covariance in place of its inverse would all give other numbers.
    rng = np.random.default_rng(2)
    mix = rng.normal(size=(6, 6))
    x = (rng.normal(size=(3000, 6)) @ mix).astype(np.float32)
    params = fit_bout_classifier(x, np.zeros(3000, int), n_classes=1)
    z = (x - params["bout.mean"]) / params["bout.std"]
    cov = bout_classifier.shrunk_covariance(z - z.mean(axis=0))
    probe = x[0] + 3 * mix[0].astype(np.float32)
    r = (probe - params["bout.mean"]) / params["bout.std"] - params["bout.class_mean"][0]
    expected = float(r @ np.linalg.solve(cov, r)) / 6
    assert bout_classifier.novelty(params, probe, 0) == pytest.approx(expected, rel=1e-3)
