"""The few-shot protocol's pieces (the protocol itself: `python -m inference custom evaluate`)."""

from pathlib import Path

import numpy as np
import pytest

from inference.custom import metric_for
from inference.training.dataset import Bout, Clip
from inference.training.fewshot import (
    SLUG,
    drop_label,
    example_stretches,
    has_label,
    summarise,
    teaching_sources,
)


def _clip(cid, label, repo, bouts):
    return Clip(
        cid,
        Path(f"{cid}.mp4"),
        label,
        0,
        "full_cycle",
        None,
        [Bout(a, b, lab, 5) for a, b, lab in bouts],
        repo,
        "dev",
        60.0,
    )


CLIPS = [
    _clip("a1", "squat", "r/a", [(0, 10, "squat"), (15, 30, "squat")]),
    _clip("a2", "squat", "r/a", [(2, 8, "squat")]),
    _clip("b1", "squat", "r/b", [(0, 20, "squat")]),
    _clip("c1", "lunge", "r/c", [(0, 10, "lunge"), (12, 20, "squat")]),
]


def test_teaching_sources_have_the_most_bouts():
    assert teaching_sources(CLIPS, "squat", 2) == ["r/a", "r/b"]


def test_examples_come_from_one_source_and_are_cut_to_k():
    assert example_stretches(CLIPS, "squat", "r/a", 1) == [("a1", 0, 10)]
    three = example_stretches(CLIPS, "squat", "r/a", 3)
    assert [cid for cid, *_ in three] == ["a1", "a1", "a2"]
    five = example_stretches(CLIPS, "squat", "r/a", 5)
    assert len(five) == 5 and {cid for cid, *_ in five} <= {"a1", "a2"}
    assert sum(b - a for _, a, b in five) == pytest.approx(10 + 15 + 6)
    # a bout too short to cut leaves fewer than k
    assert len(example_stretches(CLIPS, "squat", "r/b", 9)) < 9


def test_a_clip_with_a_bout_of_the_label_holds_it():
    assert has_label(CLIPS[3], "squat") and not has_label(CLIPS[3], "plank")


def test_summary_counts_recall_precision_and_accuracy_change():
    rows = [
        {
            "positive": True,
            "pred_label": SLUG,
            "label": "squat",
            "base_pred": "deadlift",
            "true_reps": 10,
            "pred_reps": 9,
        },
        {
            "positive": True,
            "pred_label": "deadlift",
            "label": "squat",
            "base_pred": "deadlift",
            "true_reps": 10,
            "pred_reps": 10,
        },
        {
            "positive": False,
            "pred_label": SLUG,
            "label": "lunge",
            "base_pred": "lunge",
            "true_reps": 5,
            "pred_reps": 5,
        },
        {
            "positive": False,
            "pred_label": "push_up",
            "label": "push_up",
            "base_pred": "push_up",
            "true_reps": 5,
            "pred_reps": 5,
        },
    ]
    run = {
        "label": "squat",
        "source": "r/a",
        "k": 3,
        "examples": 3,
        "rows": rows,
        "counter": {"custom": [1.0, 10], "builtin": [2.0, 10]},
        "train_s": 0.1,
        "model_bytes": 1400,
    }
    s = summarise(run)
    assert (s["recall"], s["precision"], s["false_positives"]) == (0.5, 0.5, 1)
    assert s["builtin_acc"] - s["builtin_acc_without"] == pytest.approx(-0.5)
    assert s["rep_mae"] == pytest.approx(0.05)
    assert (s["counter_custom"], s["counter_builtin"]) == (0.1, 0.2)


def test_drop_label_removes_the_class_everywhere():
    from inference.heads import WEIGHTS_PATH, load_weights

    if not WEIGHTS_PATH.exists():
        pytest.skip("no shipped weights")
    w = load_weights()
    d = drop_label(w, "squat")
    assert "squat" not in d.labels and len(d.labels) == len(w.labels) - 1
    for params in d.classifiers:
        assert params["head.weight"].shape[0] == len(d.labels)
    assert d.params["bout.weight"].shape[0] == len(d.labels)
    m = metric_for(d)
    if metric_for(w) is not None:
        assert "squat" not in m.builtin_labels
        assert len(m.builtin_means) == len(metric_for(w).builtin_means) - 1
    assert np.isfinite(d.params["bout.bias"]).all()
