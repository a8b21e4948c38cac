"""Custom exercises on synthetic sequences: training, serialisation, analysis, recounting."""

import numpy as np
import pytest

from inference import (
    CustomExample,
    CustomExampleError,
    CustomExercise,
    CustomModel,
    LandmarkSequence,
    StreamingAnalyzer,
    analyze_sequence,
    recount_bout,
    train_custom,
)
from inference.custom import EmbeddingMetric, best_fit, fit_metric, learn_prior
from tests.inference.synth_clips import alternating_sequence, squat_sequence

SQUATS = CustomExercise("my_squat", "Goblet squat", "reps", 5.5)
SIDES = CustomExercise("my_lunge", "Side lunge", "reps", 4.0)
HOLD = CustomExercise("wall_sit", "Wall sit", "hold", 3.0)


def _squats(**kw):
    seq, reps = squat_sequence(**kw)
    return seq, reps[0][0], reps[-1][1]


def _one_squat_model(weights, **kw):
    seq, a, b = _squats(**kw)
    return train_custom([SQUATS], [CustomExample("my_squat", seq, a, b)], weights=weights)


def test_landmarks_round_trip_compactly():
    seq, _ = squat_sequence(no_person=[(1.0, 2.5)])
    data = seq.to_bytes()
    back = LandmarkSequence.from_bytes(data)
    assert len(back) == len(seq) and back.fps == seq.fps
    assert back.frame_size == seq.frame_size and back.duration_s == seq.duration_s
    np.testing.assert_array_equal(back.present, seq.present)
    assert np.isnan(back.world[~seq.present]).all()
    p = seq.present
    assert np.abs(back.image[p] - seq.image[p]).max() < 1e-3
    assert np.abs(back.world[p] - seq.world[p]).max() < 2e-3
    assert np.abs(back.visibility[p] - seq.visibility[p]).max() <= 1 / 255
    raw = seq.image.nbytes + seq.world.nbytes + seq.visibility.nbytes + seq.present.nbytes
    assert len(data) < raw / 2


def test_one_example_is_enough_and_the_model_is_small(tiny_weights):
    model = _one_squat_model(tiny_weights)
    assert model.slugs == ["my_squat"] and model.examples_used == 1
    assert model.accuracy is None  # nothing to hold out
    data = model.to_bytes()
    assert len(data) < 8_000
    back = CustomModel.from_bytes(data)
    assert back.slugs == model.slugs and back.exercises == model.exercises
    assert back.priors == model.priors and back.weights_version == tiny_weights.version
    np.testing.assert_allclose(back.prototypes, model.prototypes, atol=1e-2, rtol=1e-3)


def test_accuracy_is_estimated_with_two_examples_or_more(tiny_weights):
    examples = []
    for seed in range(3):
        seq, a, b = _squats(seed=seed, period_s=2.0 + 0.3 * seed)
        examples.append(CustomExample("my_squat", seq, a, b))
    model = train_custom([SQUATS], examples, weights=tiny_weights)
    assert model.examples_used == 3
    assert model.accuracy == 1.0  # the same movement, three times


def test_a_bout_fitting_a_custom_exercise_carries_its_slug_prior_and_met(tiny_weights):
    model = _one_squat_model(tiny_weights)
    seq, _, _ = _squats(seed=7, n_reps=5)
    res = analyze_sequence(seq, body={"weight_kg": 70}, weights=tiny_weights, custom=model)
    mine = [b for b in res.bouts if b.exercise == "my_squat"]
    assert mine, [b.exercise for b in res.bouts]
    assert sum(b.reps for b in mine) == 5
    assert res.totals.reps_by_exercise["my_squat"] == 5
    assert all(b.met >= 5.5 * 0.75 * 0.85 for b in mine)  # its MET, times intensity factors


def test_custom_never_takes_a_bout_nearer_a_built_in_exercise(tiny_weights, monkeypatch):
    """The metric knows one built-in exercise, an alternating movement (at two tempos); a
    custom exercise taught from squats takes squats, not the alternating movement."""
    from inference import custom
    from inference.features import mirror, sequence_features

    def desc(seq):
        f, u = sequence_features(seq)
        m, _ = sequence_features(mirror(seq))
        return custom.standardised(f[30:-30], m[30:-30], u[30:-30], tiny_weights)

    x = [
        desc(alternating_sequence(n_cycles=6, period_s=p, seed=s)) for s in range(4) for p in (2, 3)
    ]
    metric = fit_metric(np.stack(x), np.array(["alt"] * len(x)), tiny_weights.version)
    monkeypatch.setitem(custom._METRICS, tiny_weights.version, metric)
    seq, _ = squat_sequence()
    # the whole clip as the example (rest included), as the analysis sees its bout
    example = CustomExample("my_squat", seq, 0.0, seq.duration_s)
    model = train_custom([SQUATS], [example], weights=tiny_weights)
    alt = analyze_sequence(
        alternating_sequence(n_cycles=6, seed=9), weights=tiny_weights, custom=model
    )
    assert "my_squat" not in {b.exercise for b in alt.bouts}
    squats = analyze_sequence(_squats(seed=9)[0], weights=tiny_weights, custom=model)
    assert "my_squat" in {b.exercise for b in squats.bouts}


def test_two_custom_exercises_each_win_their_own_bouts(tiny_weights):
    seq, a, b = _squats(seed=1)
    alt = alternating_sequence(n_cycles=5, seed=1)
    model = train_custom(
        [SQUATS, SIDES],
        [CustomExample("my_squat", seq, a, b), CustomExample("my_lunge", alt, 3.0, 15.5)],
        weights=tiny_weights,
    )
    assert model.slugs == ["my_squat", "my_lunge"]
    res_s = analyze_sequence(_squats(seed=5)[0], weights=tiny_weights, custom=model)
    res_a = analyze_sequence(alternating_sequence(seed=5), weights=tiny_weights, custom=model)
    assert "my_squat" in {b.exercise for b in res_s.bouts}
    assert "my_squat" not in {b.exercise for b in res_a.bouts}


def test_a_held_custom_exercise_reports_hold_time_not_reps(tiny_weights):
    seq, a, b = _squats(seed=2)
    model = train_custom([HOLD], [CustomExample("wall_sit", seq, a, b)], weights=tiny_weights)
    assert model.static == {"wall_sit"} and "wall_sit" not in model.priors
    res = analyze_sequence(_squats(seed=3)[0], weights=tiny_weights, custom=model)
    held = [b for b in res.bouts if b.exercise == "wall_sit"]
    assert held and all(b.reps == 0 and b.hold_s > 0 for b in held)
    assert "wall_sit" not in res.totals.reps_by_exercise


@pytest.mark.parametrize(
    ("start", "end"),
    [(5.0, 5.0), (6.0, 4.0), (-1.0, 3.0), (30.0, 40.0), (0.0, 0.5), (float("nan"), 2.0)],
)
def test_bad_example_stretches_are_refused(tiny_weights, start, end):
    seq, _, _ = _squats()  # 21 s long
    with pytest.raises(CustomExampleError):
        train_custom([SQUATS], [CustomExample("my_squat", seq, start, end)], weights=tiny_weights)


def test_an_example_without_a_person_is_refused(tiny_weights):
    seq, _ = squat_sequence(no_person=[(2.0, 12.0)])
    with pytest.raises(CustomExampleError, match="person"):
        train_custom([SQUATS], [CustomExample("my_squat", seq, 3.0, 11.0)], weights=tiny_weights)


def test_bad_exercises_are_refused(tiny_weights):
    seq, a, b = _squats()
    with pytest.raises(CustomExampleError, match="kind"):
        train_custom(
            [CustomExercise("x", "X", "sometimes", 3.0)],
            [CustomExample("x", seq, a, b)],
            weights=tiny_weights,
        )
    with pytest.raises(CustomExampleError, match="unknown"):
        train_custom([SQUATS], [CustomExample("other", seq, a, b)], weights=tiny_weights)


def test_an_exercise_without_examples_is_left_out(tiny_weights):
    seq, a, b = _squats()
    model = train_custom(
        [SQUATS, HOLD], [CustomExample("my_squat", seq, a, b)], weights=tiny_weights
    )
    assert model.slugs == ["my_squat"]


def test_prior_learns_the_period_and_rest_side():
    stretches = []
    for seed in range(2):
        seq, a, b = _squats(seed=seed, period_s=3.0)
        stretches.append(_stretch_without_weights(seq, a, b))
    prior, cadence = learn_prior(stretches)
    assert prior.min_period_s <= 3.0 <= prior.max_period_s
    assert prior.max_period_s <= 6.5
    assert prior.rest == "extended"  # standing between squats
    assert cadence == pytest.approx(20.0, rel=0.15)


def _stretch_without_weights(seq, a, b):
    from inference.custom import Stretch
    from inference.features import sequence_features

    feats, usable = sequence_features(seq)
    i, j = int(a * seq.fps), int(b * seq.fps)
    return Stretch(feats[i:j], usable[i:j], seq.fps, np.zeros(1, np.float32))


def test_recount_as_custom_built_in_or_explicit_kind(tiny_weights):
    seq, reps = squat_sequence(n_reps=6)
    a, b = reps[0][0] - 0.5, reps[-1][1] + 0.5
    model = _one_squat_model(tiny_weights, seed=4)
    mine = recount_bout(seq, a, b, "my_squat", {"weight_kg": 70}, model, weights=tiny_weights)
    assert (mine.exercise, mine.reps, mine.hold_s, mine.confidence) == ("my_squat", 6, None, 1.0)
    assert (mine.start_s, mine.end_s) == (round(a, 2), round(b, 2))
    assert len(mine.rep_times_s) == 6 and mine.kcal > 0
    builtin = recount_bout(seq, a, b, "squat", {"weight_kg": 70}, weights=tiny_weights)
    assert builtin.exercise == "squat" and builtin.reps == 6
    held = recount_bout(
        seq,
        a,
        b,
        "wall_sit",
        {"weight_kg": 70},
        exercise_kind="hold",
        met=4.0,
        weights=tiny_weights,
    )
    assert held.reps == 0 and held.hold_s == pytest.approx(b - a, abs=0.2) and held.met == 4.0
    heavier = recount_bout(seq, a, b, "squat", {"weight_kg": 90}, met=8.0, weights=tiny_weights)
    assert heavier.met > builtin.met and heavier.kcal > builtin.kcal


def test_recount_refuses_a_stretch_outside_the_sequence(tiny_weights):
    seq, _ = squat_sequence()
    with pytest.raises(CustomExampleError):
        recount_bout(seq, 10.0, 60.0, "squat", weights=tiny_weights)
    with pytest.raises(CustomExampleError):
        recount_bout(seq, 4.0, 4.0, "squat", weights=tiny_weights)
    with pytest.raises(CustomExampleError):
        recount_bout(seq, 1.0, 4.0, "squat", exercise_kind="both", weights=tiny_weights)


def test_streaming_with_custom_equals_batch(tiny_weights):
    model = _one_squat_model(tiny_weights)
    seq, _, _ = _squats(seed=9)
    sa = StreamingAnalyzer(fps=seq.fps, weights=tiny_weights, custom=model)
    for i in range(len(seq)):
        sa.push(seq.frame(i))
    kept = sa.landmarks()
    assert len(kept) == len(seq)
    batch = analyze_sequence(seq, weights=tiny_weights, custom=model)
    assert sa.finish().to_dict()["bouts"] == batch.to_dict()["bouts"]


def test_metric_whitens_the_spread_within_an_exercise_and_round_trips():
    rng = np.random.default_rng(0)
    scale = np.array([5.0, 1.0, 0.2])
    x = np.concatenate([rng.normal(m, 1, (200, 3)) * scale for m in (0.0, 3.0)])
    y = np.array(["a"] * 200 + ["b"] * 200)
    metric = fit_metric(x, y, "v1", shrink=0.0)
    within = np.concatenate([x[y == c] - x[y == c].mean(axis=0) for c in "ab"]) @ metric.whitener
    np.testing.assert_allclose(within.std(axis=0), 1.0, atol=0.1)
    back = EmbeddingMetric.from_bytes(metric.to_bytes())
    assert back.weights_version == "v1" and back.builtin_labels == ["a", "b"]
    np.testing.assert_allclose(back.whitener, metric.whitener, rtol=1e-2, atol=1e-3)


def test_a_bout_nearer_a_built_in_exercise_is_not_taken():
    dims = 4
    metric = EmbeddingMetric("v", np.eye(dims, dtype=np.float32), np.zeros((1, dims)), ["x"])
    proto = np.array([[2.0, 2.0, 2.0, 2.0, 0.0, 0.0]], np.float32)  # + 2 posterior numbers
    model = CustomModel([SQUATS], proto, np.array([10.0], np.float32))
    near_builtin = np.array([0.2, 0.2, 0.2, 0.2, 0.0, 0.0], np.float32)
    near_custom = np.array([1.9, 1.9, 1.9, 1.9, 0.0, 0.0], np.float32)
    assert best_fit(model, near_builtin)[0] == "my_squat"  # without the metric: fits well
    assert best_fit(model, near_builtin, metric) == (None, 0.0)
    assert best_fit(model, near_custom, metric)[0] == "my_squat"
