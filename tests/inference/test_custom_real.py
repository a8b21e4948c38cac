"""Custom exercises on real dataset clips (skipped when the dataset is absent), and the
guard that analysis without custom exercises is unchanged by them."""

import json
from pathlib import Path

import pytest

from inference import (
    CustomExample,
    CustomExercise,
    CustomModel,
    LandmarkSequence,
    analyze_sequence,
    analyze_video,
    recount_bout,
    train_custom,
)
from inference.heads import WEIGHTS_PATH, load_weights
from inference.landmarks import cached_landmarks
from inference.pose import default_backbone
from inference.training.fewshot import drop_label

pytestmark = pytest.mark.skipif(not WEIGHTS_PATH.exists(), reason="no shipped weights (run train)")

#: analyze_sequence's results on three real clips, recorded before custom exercises
#: existed (same weights): with `custom=None` nothing may move. Regenerate (and say why in
#: the commit) only when the shipped weights or the analysis itself change on purpose.
GOLDEN = Path(__file__).parent / "data" / "analyze_sequence_golden.json"


def _landmarks(dataset, cid) -> LandmarkSequence:
    m = json.loads((dataset / "manifest.json").read_text())
    rec = next(r for r in m if r["id"] == cid)
    return cached_landmarks(cid, str(dataset / rec["video"]), default_backbone())


def _manifest(dataset, cid) -> dict:
    m = json.loads((dataset / "manifest.json").read_text())
    return next(r for r in m if r["id"] == cid)


def test_analysis_without_custom_is_unchanged(dataset):
    golden = json.loads(GOLDEN.read_text())
    if golden["weights_version"] != load_weights().version:
        pytest.skip("the shipped weights changed since the golden results were recorded")
    for cid, expected in golden["results"].items():
        assert analyze_sequence(_landmarks(dataset, cid)).to_dict() == expected, cid
        assert analyze_sequence(_landmarks(dataset, cid), custom=None).to_dict() == expected


def test_custom_from_real_clips_of_one_source(dataset):
    """Teach jumping jacks as a custom exercise, from bouts of one source, to weights that
    do not know them (their class removed: `fewshot.drop_label`); a clip of another source
    is named by the custom slug, squats and push-ups keep their labels."""
    weights = drop_label(load_weights(), "jumping_jack")
    teach = ["ahmedlila__3-count-jumping-jacks"]
    examples = []
    for cid in teach:
        seq = _landmarks(dataset, cid)
        for b in _manifest(dataset, cid)["bouts"]:
            if b["label"] == "jumping_jack":
                examples.append(CustomExample("jj", seq, b["start"], b["end"]))
    model = train_custom([CustomExercise("jj", "Star jumps", "reps", 8.0)], examples, weights)
    model = CustomModel.from_bytes(model.to_bytes())
    seq = _landmarks(dataset, "techbusa__videos-jumping-jacks")
    res = analyze_sequence(seq, weights=weights, custom=model)
    assert "jj" in {b.exercise for b in res.bouts}
    for cid, label in [("apurvo2004__squats", "squat"), ("apurvo2004__archer-push-up", "push_up")]:
        res = analyze_sequence(_landmarks(dataset, cid), weights=weights, custom=model)
        assert label in {b.exercise for b in res.bouts}, (cid, res.bouts)
        assert "jj" not in {b.exercise for b in res.bouts}


def test_stored_landmarks_recount_like_the_original(dataset):
    seq = _landmarks(dataset, "apurvo2004__squats")
    back = LandmarkSequence.from_bytes(seq.to_bytes())
    assert len(seq.to_bytes()) < 0.5 * len(seq) * 900
    res = analyze_sequence(seq)
    b = max(res.bouts, key=lambda b: b.end_s - b.start_s)
    again = recount_bout(back, b.start_s, b.end_s, b.exercise, {"weight_kg": 70})
    assert abs(again.reps - b.reps) <= 1


def test_analyze_video_keeps_the_landmarks_it_analysed(dataset):
    rec = _manifest(dataset, "techbusa__videos-jumping-jacks")
    result, seq = analyze_video(dataset / rec["video"], keep_landmarks=True)
    assert len(seq) == result.frames_analysed and seq.duration_s == result.duration_s
    again = analyze_sequence(LandmarkSequence.from_bytes(seq.to_bytes()))
    assert [b.exercise for b in again.bouts] == [b.exercise for b in result.bouts]
    assert analyze_sequence(seq).to_dict() == result.to_dict()


def _link(folder: Path, video: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / video.name).symlink_to(video)


def test_cli_custom_train_then_analyze(dataset, tmp_path, capsys):
    from inference.cli import main

    videos = dataset / "videos" / "jumping_jack"
    for name in ("ahmedlila__3-count-jumping-jacks.mp4", "apurvo2004__jumping-jacks.mp4"):
        _link(tmp_path / "videos_train" / "my_jacks", videos / name)
    _link(tmp_path / "videos_valid" / "my_jacks", videos / "ayezanawall__sample-jumping-jacks.mp4")
    out = tmp_path / "model.bin"
    assert main(["custom", "train", str(tmp_path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "validation accuracy:" in printed and "trained 1 exercises from 2 examples" in printed
    model = CustomModel.from_bytes(out.read_bytes())
    assert model.slugs == ["my_jacks"] and model.examples_used == 2
    video = videos / "ayezanawall__sample-jumping-jacks.mp4"
    assert main(["analyze", str(video), "--custom", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["bouts"]


def test_cli_custom_train_refuses_an_empty_folder_or_a_built_in_label(tmp_path, capsys):
    from inference.cli import main

    assert main(["custom", "train", str(tmp_path), "--out", str(tmp_path / "m")]) == 2
    (tmp_path / "videos_train" / "squat").mkdir(parents=True)
    (tmp_path / "videos_train" / "squat" / "a.mp4").write_bytes(b"")
    assert main(["custom", "train", str(tmp_path), "--out", str(tmp_path / "m")]) == 2
    assert "clash with built-in" in capsys.readouterr().err


def test_the_shipped_metric_serves_the_shipped_weights():
    from inference.custom import metric_for

    weights = load_weights()
    metric = metric_for(weights)
    assert metric is not None and metric.weights_version == weights.version
    assert set(metric.builtin_labels) <= set(weights.exercises)
