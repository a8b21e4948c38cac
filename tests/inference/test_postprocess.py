import numpy as np
import pytest

from inference.postprocess import MIN_BOUT_S, segment, viterbi_labels

LABELS = ["squat", "push_up", "idle"]
FPS = 10.0


def _probs(spec):
    """spec: list of (label, seconds) -> (N, 3) confident probabilities with mild noise."""
    rng = np.random.default_rng(0)
    rows = []
    for label, secs in spec:
        k = LABELS.index(label)
        p = np.full((int(secs * FPS), 3), 0.1)
        p[:, k] = 0.8
        rows.append(p)
    p = np.concatenate(rows) + rng.uniform(0, 0.05, (sum(len(r) for r in rows), 3))
    return p / p.sum(axis=1, keepdims=True)


def test_idle_time_stays_outside_bouts():
    p = _probs([("idle", 4), ("squat", 10), ("idle", 5), ("push_up", 8), ("idle", 3)])
    segs = segment(p, np.ones(len(p), bool), LABELS, FPS)
    assert [s.label for s in segs] == ["squat", "push_up"]
    assert (segs[0].start, segs[0].end) == (40, 140)
    assert (segs[1].start, segs[1].end) == (190, 270)


def test_no_person_time_is_never_inside_a_bout():
    p = _probs([("squat", 20)])
    usable = np.ones(len(p), bool)
    usable[80:120] = False  # person leaves for 4 s
    segs = segment(p, usable, LABELS, FPS)
    assert len(segs) == 2
    assert segs[0].end <= 80 and segs[1].start >= 120


def test_flicker_is_smoothed_and_short_runs_dropped():
    p = _probs(
        [
            ("idle", 5),
            ("squat", 3),
            ("push_up", 0.3),
            ("squat", 4),
            ("idle", 5),
            ("push_up", MIN_BOUT_S / 2),
            ("idle", 5),
        ]
    )
    segs = segment(p, np.ones(len(p), bool), LABELS, FPS)
    assert [s.label for s in segs] == ["squat"]
    assert segs[0].end - segs[0].start >= 70


def test_a_short_clip_of_one_movement_is_a_bout():
    """A 1.5-s clip holding one repetition: shorter than a bout may be, but it is the clip."""
    p = _probs([("idle", 0.1), ("squat", 1.5), ("idle", 0.1)])
    segs = segment(p, np.ones(len(p), bool), LABELS, FPS)
    assert [s.label for s in segs] == ["squat"]
    assert segs[0].start <= 1 and segs[0].end >= 16


def test_the_same_short_movement_in_a_longer_video_is_a_blip():
    p = _probs([("idle", 3), ("squat", 1.5), ("idle", 3)])
    assert segment(p, np.ones(len(p), bool), LABELS, FPS) == []


def test_viterbi_without_penalty_is_argmax():
    p = _probs([("idle", 1), ("squat", 1), ("push_up", 1)])
    np.testing.assert_array_equal(viterbi_labels(p, penalty=0.0), p.argmax(axis=1))


def _lying_face_down(seq):
    """The standing synthetic person turned to lie face down (a straight support)."""
    import dataclasses

    c, s = np.cos(np.pi / 2), np.sin(np.pi / 2)
    rot = np.array([[1, 0, 0], [0, c, -s], [0, s, c]], np.float32)
    world = seq.world @ rot.T
    image = seq.image.copy()
    image[..., 0] = 0.5 + world[..., 0] * 0.3
    image[..., 1] = 0.5 + world[..., 1] * 0.3
    return dataclasses.replace(seq, world=world, image=image)


def test_a_held_prone_support_without_reps_is_a_plank():
    from inference.features import sequence_features
    from inference.postprocess import Segment, prone_support, refine_with_motion
    from inference.training import synth
    from tests.inference.synth_clips import squat_sequence

    labels = ["plank", "plank_jack", "idle"]
    still, _ = squat_sequence(n_reps=0, rest_before_s=4, rest_after_s=4)
    hold = _lying_face_down(still)
    jacks = synth.plank_jack(hold, np.random.default_rng(0))
    for seq, expected in ((hold, "plank"), (jacks, "plank_jack")):
        feats, usable = sequence_features(seq)
        assert prone_support(feats).mean() > 0.9
        probs = np.tile([0.3, 0.6, 0.1], (len(seq), 1))
        seg = [Segment("plank_jack", 0, len(seq), 0.6)]
        out = refine_with_motion(seg, probs, feats, usable, labels, FPS)
        assert [s.label for s in out] == [expected]
    standing_feats, _ = sequence_features(still)
    assert not prone_support(standing_feats).any()


def test_plank_hold_counts_the_time_in_the_support_only():
    import dataclasses

    from inference.features import sequence_features
    from inference.postprocess import hold_seconds
    from tests.inference.synth_clips import squat_sequence

    still, _ = squat_sequence(n_reps=0, rest_before_s=4, rest_after_s=4)
    lying = _lying_face_down(still)
    n = len(still) // 4  # the first quarter standing (getting into position)
    mixed = dataclasses.replace(
        lying,
        world=np.concatenate([still.world[:n], lying.world[n:]]),
        image=np.concatenate([still.image[:n], lying.image[n:]]),
    )
    feats, usable = sequence_features(mixed)
    assert hold_seconds(feats, usable, FPS) == pytest.approx((len(still) - n) / FPS, abs=0.3)
    standing, usable = sequence_features(still)
    assert hold_seconds(standing, usable, FPS) == pytest.approx(len(still) / FPS)


def test_adjacent_parts_with_the_same_label_are_one_bout():
    from inference.postprocess import Segment, merge_adjacent

    parts = [Segment("squat", 0, 40, 0.6), Segment("squat", 40, 100, 0.9)]
    parts += [Segment("squat", 120, 150, 0.5)]  # after a gap: a bout of its own
    merged = merge_adjacent(parts)
    assert [(s.start, s.end) for s in merged] == [(0, 100), (120, 150)]
    assert merged[0].confidence == pytest.approx((0.6 * 40 + 0.9 * 60) / 100)
    assert merge_adjacent([Segment("squat", 0, 40, 0.6), Segment("lunge", 40, 80, 0.7)]) == [
        Segment("squat", 0, 40, 0.6),
        Segment("lunge", 40, 80, 0.7),
    ]


def test_a_label_that_flickers_inside_one_movement_does_not_cut_its_repetitions(tiny_weights):
    """Squats labelled squat / push-up (3 s) / squat in three back-to-back parts: counted as
    one movement, each repetition given to the part holding its middle, none lost at the
    seams (counted part by part, the seams cut repetitions in two)."""
    from inference.counting import count_reps
    from inference.features import sequence_features
    from inference.postprocess import Segment, stretch_repetitions
    from tests.inference.synth_clips import squat_sequence

    seq, _ = squat_sequence(n_reps=6, period_s=2.5, rest_before_s=0.5, rest_after_s=0.5)
    feats, _ = sequence_features(seq)
    n = len(feats)
    cuts = [0, 62, 92, n]  # mid-repetition (reps start every 25 frames from frame 5)
    labels = ["squat", "push_up", "squat"]
    spans = zip(labels, cuts[:-1], cuts[1:], strict=True)
    parts = [Segment(lab, a, b, 0.5) for lab, a, b in spans]
    whole = count_reps(feats, FPS).reps
    per_part = sum(count_reps(feats[s.start : s.end], FPS).reps for s in parts)
    reps = stretch_repetitions(parts, feats, FPS, tiny_weights)
    assert whole == 6 and per_part < whole
    assert sum(len(r) for r in reps) == whole
    for s, r in zip(parts, reps, strict=True):
        assert all(s.start <= (a + b) / 2 < s.end for a, b in r)
    # a static bout in between ends the run: each side is counted on its own
    parts[1] = Segment("plank", 62, 92, 0.5)
    reps = stretch_repetitions(parts, feats, FPS, tiny_weights)
    assert reps[1] is None
    assert len(reps[0]) == count_reps(feats[:62], FPS).reps


def test_only_the_stretch_that_ends_with_the_video_drops_an_unfinished_repetition(
    tiny_weights,
):
    """The same four squats cut mid-return (frame 126): as the end of the video, the last
    repetition is unfinished; with frames after the stretch (the video goes on), it is
    kept."""
    from inference.features import sequence_features
    from inference.postprocess import Segment, stretch_repetitions
    from tests.inference.synth_clips import squat_sequence

    seq, _ = squat_sequence(n_reps=4, period_s=2.5, rest_after_s=0.0)
    feats, _ = sequence_features(seq)
    squats = [Segment("squat", 0, 126, 0.5)]
    assert len(stretch_repetitions(squats, feats[:126], FPS, tiny_weights)[0]) == 3
    assert len(stretch_repetitions(squats, feats, FPS, tiny_weights)[0]) == 4


def test_two_long_parts_side_by_side_are_counted_apart(tiny_weights, monkeypatch):
    """Slow squats, then quick ones, back to back: two long parts are different stretches of
    movement, each counted on its own frames (as one run, one signal, period and range
    serve both)."""
    from inference import postprocess
    from inference.counting import count_reps
    from inference.features import sequence_features
    from inference.postprocess import Segment, stretch_repetitions
    from tests.inference.synth_clips import squat_sequence

    slow, _ = squat_sequence(n_reps=3, period_s=4.0, rest_before_s=0.5, rest_after_s=0.5)
    quick, _ = squat_sequence(n_reps=10, period_s=1.0, rest_before_s=0.5, rest_after_s=0.5)
    feats = np.concatenate([sequence_features(slow)[0], sequence_features(quick)[0]])
    k = len(slow)
    parts = [Segment("squat", 0, k, 0.9), Segment("lunge", k, len(feats), 0.9)]
    assert postprocess.RUN_SPLIT_S * FPS <= min(k, len(feats) - k)
    reps = stretch_repetitions(parts, feats, FPS, tiny_weights)
    assert [len(r) for r in reps] == [3, 10]
    for part, r in zip(parts, reps, strict=True):
        own = count_reps(feats[part.start : part.end], FPS).rep_frames
        assert r == [(part.start + a, part.start + b) for a, b in own]
    monkeypatch.setattr(postprocess, "RUN_SPLIT_S", float("inf"))  # never split: one run
    one_run = stretch_repetitions(parts, feats, FPS, tiny_weights)
    assert one_run[0] + one_run[1] == count_reps(feats, FPS).rep_frames


def test_a_moving_bout_is_trimmed_to_its_repetitions():
    """Standing still before and after the squats is rest, even when the classifier's bout
    spills over it: the bout keeps one typical repetition's time around its repetitions."""
    from inference.counting import count_reps
    from inference.features import sequence_features
    from inference.postprocess import Segment, fit_to_repetitions
    from tests.inference.synth_clips import squat_sequence

    seq, true_reps = squat_sequence(n_reps=5, period_s=2.5, rest_before_s=8.0, rest_after_s=8.0)
    feats, _ = sequence_features(seq)
    reps = [[(a, b) for a, b in count_reps(feats, FPS).rep_frames]]
    segs, fitted = fit_to_repetitions([Segment("squat", 0, len(feats), 0.9)], reps, feats, FPS)
    assert fitted == reps and len(segs) == 1
    first, last = true_reps[0][0] * FPS, true_reps[-1][1] * FPS
    assert first - 2.5 * FPS - 2 <= segs[0].start <= first
    assert last <= segs[0].end <= last + 2.5 * FPS + 2
    assert (segs[0].label, segs[0].confidence) == ("squat", 0.9)


def test_a_long_pause_between_repetitions_splits_the_bout():
    from inference.postprocess import Segment, fit_to_repetitions

    reps = [[(10, 35), (35, 60), (60, 85), (250, 275), (275, 300)]]  # 2.5-s reps, 16.5-s pause
    feats = np.zeros((400, 1))
    segs, fitted = fit_to_repetitions([Segment("squat", 0, 400, 0.8)], reps, feats, FPS)
    assert [(s.start, s.end) for s in segs] == [(0, 110), (225, 325)]
    assert fitted == [reps[0][:3], reps[0][3:]]
    # A pause shorter than four repetitions (and 6 s) is part of the set.
    reps = [[(10, 35), (35, 60), (100, 125)]]
    segs, _ = fit_to_repetitions([Segment("squat", 0, 400, 0.8)], reps, feats, FPS)
    assert [(s.start, s.end) for s in segs] == [(0, 150)]


def test_a_moving_bout_without_repetitions_is_rest_unless_the_body_repeats_a_movement():
    from inference.counting import count_reps
    from inference.features import sequence_features
    from inference.postprocess import Segment, fit_to_repetitions
    from tests.inference.synth_clips import squat_sequence

    seq, _ = squat_sequence(n_reps=6, period_s=2.5, rest_before_s=8.0, rest_after_s=0.5)
    feats, _ = sequence_features(seq)
    standing = Segment("push_up", 0, 70, 0.9)
    squatting = Segment("push_up", 80, len(feats), 0.9)  # the label's prior counted none
    plank = Segment("plank", 0, 70, 0.9)
    segs, reps = fit_to_repetitions([standing, squatting, plank], [[], [], None], feats, FPS)
    assert [s.label for s in segs] == ["push_up", "plank"]
    agnostic = count_reps(feats[80:], FPS).rep_frames
    assert len(agnostic) >= 5 and reps == [[(80 + a, 80 + b) for a, b in agnostic], None]
    assert (segs[1].start, segs[1].end) == (0, 70)  # static bouts are left alone
