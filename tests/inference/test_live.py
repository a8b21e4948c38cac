from inference.analyzer import StreamingAnalyzer, analyze_sequence
from inference.live import HORIZON_S, LiveTally, tally
from inference.result import AnalysisResult, BodyMetricsUsed, Bout, ModelInfo, Totals
from tests.inference.synth_clips import squat_sequence


def _window(bouts: list[Bout]) -> AnalysisResult:
    return AnalysisResult(
        duration_s=30.0,
        frames_analysed=300,
        analysis_fps=10.0,
        person_visible_fraction=1.0,
        bouts=bouts,
        totals=Totals(kcal=0.0, active_s=0.0, reps_by_exercise={}),
        model=ModelInfo(name="test", version="0"),
        body_metrics=BodyMetricsUsed(weight_kg=70, height_cm=175, age=30, sex="male"),
    )


def _squats(start: float, end: float, period: float, kcal_per_s: float = 0.1) -> Bout:
    reps, t = [], start
    while t + period <= end + 1e-9:
        reps.append([t, t + period])
        t += period
    return Bout("squat", start, end, len(reps), reps, None, 5.0, kcal_per_s * (end - start), 0.9)


def test_a_rep_that_moves_across_the_committed_line_is_not_counted_twice():
    # Refreshes one second apart see the same 2 s reps, the second with its boundaries half
    # a rep later (the counter split the motion at the other turning point).
    first = tally(LiveTally(), _window([_squats(0.0, 20.0, 2.0)]), 0.0, 20.0)
    second = tally(first, _window([_squats(1.0, 21.0, 2.0)]), 0.0, 21.0)
    assert first.reps == 10
    assert second.reps in (10, 11)  # one more second of squatting: half a rep at most
    assert abs(second.committed_reps - 8.0) < 0.51  # 16 s settled of 2 s reps


def test_kcal_commits_by_time_and_the_current_exercise_is_the_running_bout():
    state = tally(LiveTally(), _window([_squats(0.0, 10.0, 2.0, kcal_per_s=0.2)]), 0.0, 10.0)
    assert state.exercise == "squat"
    assert abs(state.committed_kcal - 1.0) < 1e-9  # 5 s settled at 0.2 kcal/s
    assert state.kcal == 2.0
    later = tally(state, _window([_squats(0.0, 10.0, 2.0, kcal_per_s=0.2)]), 0.0, 20.0)
    assert later.exercise is None  # the bout ended 10 s ago
    assert later.kcal == 2.0 and later.reps == 5


def test_the_live_count_keeps_up_through_a_bout_longer_than_the_horizon(monkeypatch):
    horizon = 30.0  # a shorter horizon than the shipped one keeps the test quick
    monkeypatch.setattr("inference.live.HORIZON_S", horizon)
    seq, _ = squat_sequence(n_reps=40, period_s=2.0, seed=3)
    assert seq.duration_s > 2.5 * horizon
    batch = analyze_sequence(seq)
    streaming = StreamingAnalyzer(fps=seq.fps, frame_size=seq.frame_size)
    counts = [streaming.push(seq.frame(i)).reps_so_far for i in range(len(seq))]
    assert counts == sorted(counts)  # never goes backwards
    assert abs(counts[-1] - sum(batch.totals.reps_by_exercise.values())) <= 1
    # Halfway through, the count is about what has been done so far, not one window's worth.
    half = len(seq) // 2
    done_by_half = sum(1 for b in batch.bouts for _, end in b.rep_times_s if end <= half / seq.fps)
    assert abs(counts[half] - done_by_half) <= 2


def test_while_the_window_is_the_whole_stream_the_count_is_its_analysis():
    """The saved result is the analysis of the whole stream: while the window still holds
    all of it, the live count follows that analysis, down as well as up."""
    first = tally(LiveTally(), _window([_squats(0.0, 12.0, 2.0)]), 0.0, 12.0)
    revised = tally(first, _window([_squats(0.0, 10.0, 2.0)]), 0.0, 13.0)
    assert (first.reps, revised.reps) == (6, 5)


def test_once_the_window_trails_the_stream_the_count_never_goes_back():
    first = tally(LiveTally(), _window([_squats(0.0, 30.0, 2.0)]), 0.0, 30.0)
    trailing = tally(first, _window([_squats(0.0, 20.0, 2.0)]), 11.0, 41.0)
    assert trailing.reps >= first.reps


def test_the_trailing_window_starts_on_the_classifier_stride():
    """So a refresh's windows are those of the refreshes before it (and of the saved result)."""
    from inference.heads import STRIDE
    from inference.live import window_start

    horizon = int(HORIZON_S * 10)
    assert window_start(horizon - 10, 10.0) == 0
    for frames in range(horizon, horizon + 120):
        start, earliest = window_start(frames, 10.0), frames - HORIZON_S * 10
        assert start % STRIDE == 0 and earliest <= start < earliest + STRIDE
