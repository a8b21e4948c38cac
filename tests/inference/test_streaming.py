import numpy as np

from inference.analyzer import StreamingAnalyzer, analyze_sequence
from tests.inference.synth_clips import squat_sequence


def _stream(seq, weights, body=None):
    sa = StreamingAnalyzer(body=body, fps=seq.fps, weights=weights, frame_size=seq.frame_size)
    states = [sa.push(seq.frame(i)) for i in range(len(seq))]
    return sa, states


def test_streaming_equals_batch(tiny_weights):
    seq, _ = squat_sequence(n_reps=8, period_s=2.0, no_person=[(1.0, 2.5)], seed=5)
    batch = analyze_sequence(seq, body={"weight_kg": 75}, weights=tiny_weights)
    sa, states = _stream(seq, tiny_weights, body={"weight_kg": 75})
    streamed = sa.finish(seq.duration_s)
    assert streamed.to_dict() == batch.to_dict()
    assert states[-1].elapsed_s == len(seq) / seq.fps
    assert streamed.frames_analysed == len(seq)
    assert 0.8 < streamed.person_visible_fraction < 1.0


def test_live_state_has_the_expected_fields(tiny_weights):
    seq, _ = squat_sequence(n_reps=3)
    _, states = _stream(seq, tiny_weights)
    assert all(s.elapsed_s >= 0 and s.reps_so_far >= 0 and s.kcal_so_far >= 0 for s in states)
    assert [s.elapsed_s for s in states] == sorted(s.elapsed_s for s in states)


def test_streaming_memory_is_compact(tiny_weights):
    sa = StreamingAnalyzer(fps=10.0, weights=tiny_weights)
    sa.LIVE_EVERY_S = float("inf")
    seq, _ = squat_sequence(n_reps=2)
    for i in range(len(seq)):
        sa.push(seq.frame(i))
    per_frame = sum(a._a.nbytes for a in (sa._image, sa._vis, sa._world, sa._present)) / 1024
    # landmarks only (never images): ~1 KB per analysed frame, in 1024-frame chunks
    assert per_frame / 1024 < 1.1
    assert np.isfinite(sa.finish().duration_s)


def test_the_window_memo_changes_no_live_estimate(tiny_weights):
    """Live refreshes reuse the window classifier's settled outputs; while the window is the
    whole stream they are exactly what classifying every window again gives, a gap without
    the person near the newest frame included (its filling waits for the person to return)."""
    from inference.features import sequence_features, settled_frames
    from inference.heads import MemoView, WindowMemo, frame_probabilities
    from inference.landmarks import LandmarkSequence

    seq, _ = squat_sequence(n_reps=9, period_s=2.0, no_person=[(3.0, 3.4), (9.5, 10.3)], seed=6)
    memo = WindowMemo()
    for n in range(10, len(seq), 10):
        prefix = LandmarkSequence(
            seq.fps,
            seq.image[:n],
            seq.visibility[:n],
            seq.world[:n],
            seq.present[:n],
            seq.frame_size,
            n / seq.fps,
        )
        feats, usable = sequence_features(prefix)
        view = MemoView(memo, 0, settled_frames(n, seq.fps))
        kept = frame_probabilities(feats, usable, tiny_weights, memo=view)
        np.testing.assert_array_equal(kept, frame_probabilities(feats, usable, tiny_weights))
        assert analyze_sequence(prefix, weights=tiny_weights, windows=memo).to_dict() == (
            analyze_sequence(prefix, weights=tiny_weights, windows=WindowMemo()).to_dict()
        )
    assert memo.probs  # the memo was used
