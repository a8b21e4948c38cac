import json

from inference.analyzer import analyze_sequence
from inference.result import AnalysisResult
from tests.inference.synth_clips import squat_sequence


def test_json_round_trip(tiny_weights):
    seq, _ = squat_sequence(n_reps=5)
    res = analyze_sequence(seq, body={"weight_kg": 82, "sex": "male"}, weights=tiny_weights)
    text = res.to_json()
    back = AnalysisResult.from_json(text)
    assert back == res
    d = json.loads(text)
    assert set(d) >= {
        "duration_s",
        "frames_analysed",
        "person_visible_fraction",
        "bouts",
        "totals",
        "model",
        "body_metrics",
    }
    assert d["body_metrics"]["weight_kg"] == 82 and "height_cm" in d["body_metrics"]["defaulted"]
    for b in d["bouts"]:
        assert set(b) == {
            "exercise",
            "start_s",
            "end_s",
            "reps",
            "rep_times_s",
            "hold_s",
            "met",
            "kcal",
            "confidence",
            "count_confidence",
        }


def test_a_result_stored_before_count_confidence_still_reads(tiny_weights):
    seq, _ = squat_sequence(n_reps=3)
    d = analyze_sequence(seq, weights=tiny_weights).to_dict()
    assert d["bouts"], "the synthetic squats give a bout"
    for b in d["bouts"]:
        del b["count_confidence"]
    back = AnalysisResult.from_dict(d)
    assert [b.count_confidence for b in back.bouts] == [None] * len(d["bouts"])
