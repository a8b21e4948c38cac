"""The evaluation's scoring, on hand-made clips and results (no model, no dataset)."""

from pathlib import Path

import numpy as np
import pytest

from inference.result import Bout
from inference.training.dataset import Bout as TrueBout
from inference.training.dataset import Clip
from inference.training.evaluate import (
    _recipe_fingerprint,
    print_report,
    summarise,
    time_metrics,
)
from inference.training.train import SEED


def _clip(bouts):
    return Clip(
        id="c", video_path=Path("c.mp4"), label="squat", reps=3, rep_unit="full_cycle",
        hold_seconds=None, bouts=bouts, source_repo="r", split="dev", duration_s=20.0,
    )  # fmt: skip


def _bout(start, end, reps, exercise="squat"):
    return Bout(exercise, start, end, len(reps), reps, None, 5.0, 1.0, 0.9)


class _Result:
    def __init__(self, bouts):
        self.bouts = bouts


FPS = 10.0


def test_rest_inside_a_bout_and_exercise_outside_are_measured():
    # Truth: talking 0-6 s, squats 6-16 s, standing 16-20 s (person always in view).
    clip = _clip([TrueBout(0, 6, "talking"), TrueBout(6, 16, "squat", 3), TrueBout(16, 20, "idle")])
    # Predicted: one bout 4-14 s (2 s of talking in it, 2 s of squats missed), with a
    # repetition whose middle is in the talking time.
    result = _Result([_bout(4.0, 14.0, [[4.0, 5.0], [7.0, 9.0], [10.0, 12.0]])])
    m = time_metrics(clip, result, np.ones(200, bool), FPS)
    assert m["rest_s"] == pytest.approx(10.0)
    assert m["rest_in_bouts_s"] == pytest.approx(2.0)
    assert m["exercise_s"] == pytest.approx(10.0)
    assert m["exercise_missed_s"] == pytest.approx(2.0)
    assert m["reps_outside_exercise"] == 1


def test_rest_without_a_person_is_not_counted_as_rest():
    clip = _clip([TrueBout(0, 10, "black"), TrueBout(10, 20, "squat", 3)])
    present = np.arange(200) >= 100
    result = _Result([_bout(0.0, 20.0, [[12.0, 14.0]])])
    m = time_metrics(clip, result, present, FPS)
    assert m["rest_s"] == 0.0
    assert m["rest_in_bouts_s"] == 0.0
    assert m["exercise_missed_s"] == 0.0


def test_summary_pools_the_seconds_of_all_clips():
    base = {"label": "squat", "pred_label": "squat", "true_reps": 3, "pred_reps": 3,
            "baseline_reps": 3, "oracle_reps": 3, "true_hold": None, "pred_hold": None}  # fmt: skip
    rows = [
        {**base, "rest_s": 10.0, "rest_in_bouts_s": 5.0, "exercise_s": 10.0,
         "exercise_missed_s": 0.0, "exercise_labelled_s": 10.0, "reps_outside_exercise": 1},
        {**base, "rest_s": 30.0, "rest_in_bouts_s": 5.0, "exercise_s": 30.0,
         "exercise_missed_s": 4.0, "exercise_labelled_s": 20.0, "reps_outside_exercise": 2},
    ]  # fmt: skip
    s = summarise(rows)
    assert s["rest_in_bouts_fraction"] == pytest.approx(10.0 / 40.0)
    assert s["exercise_missed_fraction"] == pytest.approx(4.0 / 40.0)
    assert s["exercise_time_labelled_fraction"] == pytest.approx(30.0 / 40.0)
    assert s["reps_outside_exercise"] == 3


def test_exercise_time_counts_as_labelled_only_inside_a_bout_of_its_own_exercise():
    # Truth: plank 0-6 s, plank jacks 6-12 s. Predicted: plank 0-8 s, plank jacks 8-12 s:
    # the clip's label is lost by the longest bout, but 10 of the 12 s are named right.
    clip = _clip([TrueBout(0, 6, "plank"), TrueBout(6, 12, "plank_jack", 4)])
    result = _Result([_bout(0.0, 8.0, [], "plank"), _bout(8.0, 12.0, [[8, 9]], "plank_jack")])
    m = time_metrics(clip, result, np.ones(120, bool), FPS)
    assert m["exercise_s"] == pytest.approx(12.0)
    assert m["exercise_missed_s"] == 0.0
    assert m["exercise_labelled_s"] == pytest.approx(10.0)


def test_either_reading_scores_against_the_nearer_of_the_two_counts():
    base = {"label": "deadlift", "pred_label": "deadlift", "true_hold": None,
            "pred_hold": None, "baseline_reps": 2}  # fmt: skip
    rows = [
        # Opens mid-repetition: counted 2 (or 3 with the opening ascent); predicted 3.
        {**base, "true_reps": 2, "reps_alt": 3, "pred_reps": 3, "oracle_reps": 1},
        # No second reading: scored against the count alone.
        {**base, "true_reps": 4, "pred_reps": 5, "oracle_reps": 4},
    ]
    s = summarise(rows)
    assert s["rep_mae"] == pytest.approx((1 / 2 + 1 / 4) / 2)
    assert s["rep_mae_either_reading"] == pytest.approx((0 + 1 / 4) / 2)
    assert s["rep_mae_true_bouts"] == pytest.approx((1 / 2 + 0) / 2)
    assert s["rep_mae_true_bouts_either_reading"] == pytest.approx((1 / 2 + 0) / 2)


def test_another_seed_keys_another_set_of_fold_models():
    assert _recipe_fingerprint() == _recipe_fingerprint(SEED)
    assert _recipe_fingerprint(SEED + 1) != _recipe_fingerprint(SEED)


def test_the_report_prints_a_plank_clip_with_no_hold_found():
    row = {
        "id": "plank-clip", "label": "plank", "pred_label": "none", "true_reps": 0,
        "pred_reps": 0, "baseline_reps": 0, "true_hold": 30.0, "pred_hold": None,
    }  # fmt: skip
    lines = []
    print_report({"clips": [row], "per_label": {}, "summary": {}}, out=lines.append)
    assert "30.0      -" in lines[1]
