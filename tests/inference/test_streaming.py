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
