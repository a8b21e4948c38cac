"""End-to-end checks on a few short real clips (skipped when the dataset is absent).

These clips are part of the shipped model's training data, so they check that the whole
path (decode -> pose -> heads -> post-processing -> CLI) works on real footage; the honest,
cross-validated figures come from `python -m inference evaluate`.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

from inference import analyze_video
from inference.heads import WEIGHTS_PATH

pytestmark = pytest.mark.skipif(not WEIGHTS_PATH.exists(), reason="no shipped weights (run train)")

CLIPS = {  # id: (label, reps)
    "techbusa__videos-jumping-jacks": ("jumping_jack", 4),
    "apurvo2004__burpees": ("burpee", 2),
    # Two sets at different tempos (16 + 13) that the segmentation keeps as one bout:
    # counted as one signal they gave 9 (counting.SPLIT_MIN_PART_S).
    "apurvo2004__high-knees": ("high_knees", 29),
}


def _clip(dataset, cid):
    m = json.loads((dataset / "manifest.json").read_text())
    rec = next(r for r in m if r["id"] == cid)
    return dataset / rec["video"]


@pytest.mark.parametrize("cid", sorted(CLIPS))
def test_real_clip_label_and_count(dataset, cid):
    label, reps = CLIPS[cid]
    res = analyze_video(_clip(dataset, cid), body={"weight_kg": 70})
    assert res.frames_analysed > 30 and res.person_visible_fraction > 0.8
    assert res.bouts, "no bout found"
    main = max(res.bouts, key=lambda b: b.end_s - b.start_s)
    assert main.exercise == label
    assert abs(res.totals.reps_by_exercise.get(label, 0) - reps) <= 1
    assert res.totals.kcal > 0
    for b in res.bouts:
        assert 0 <= b.start_s < b.end_s <= res.duration_s + 0.2
        for a, e in b.rep_times_s:
            assert b.start_s <= a < e <= b.end_s


def test_cli_json_is_only_the_result(dataset):
    path = _clip(dataset, "techbusa__videos-jumping-jacks")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "inference",
            "analyze",
            str(path),
            "--json",
            "--weight",
            "80",
            "--sex",
            "male",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)  # stdout is exactly one JSON object
    assert d["body_metrics"]["weight_kg"] == 80 and d["body_metrics"]["sex"] == "male"
    assert {"bouts", "totals", "model", "duration_s"} <= set(d)


def test_cli_reports_a_bad_file(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    out = subprocess.run(
        [sys.executable, "-m", "inference", "analyze", str(bad), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and out.stdout == "" and "error" in out.stderr


def test_cli_analyze_loads_no_training_code():
    code = (
        "import sys; from inference.cli import build_parser; "
        "build_parser().parse_args(['analyze', 'x.mp4']); "
        "print('torch' in sys.modules, "
        "sorted(m for m in sys.modules if m.startswith('inference.training.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[0] == "False ['inference.training.cli']"


_FORK_SCRIPT = """
import multiprocessing as mp, sys
import inference                      # imported before the fork, like a Celery worker

def work(path, q):
    q.put(inference.analyze_video(path).totals.reps_by_exercise)

ctx = mp.get_context("fork")
q = ctx.Queue()
p = ctx.Process(target=work, args=(sys.argv[1], q))
p.start()
p.join(timeout=90)
print(p.exitcode, q.get(timeout=5) if p.exitcode == 0 else None)
"""


def test_analysis_works_in_a_forked_worker(dataset):
    """Celery prefork workers import the engine, then fork: nothing heavy may exist yet.

    Run in a fresh interpreter: mediapipe aborts in a child forked from a process that has
    already run a pose graph (so a worker parent must never analyse before forking)."""
    path = str(_clip(dataset, "apurvo2004__burpees"))
    out = subprocess.run(
        [sys.executable, "-c", _FORK_SCRIPT, path], capture_output=True, text=True, timeout=150
    )
    assert out.returncode == 0, out.stderr[-2000:]
    exitcode, reps = out.stdout.strip().split(" ", 1)
    assert exitcode == "0", out.stderr[-2000:]
    assert "burpee" in reps


@pytest.fixture(scope="module")
def squat_landmarks(dataset):
    from inference.landmarks import extract_landmarks
    from inference.pose import default_backbone

    backbone = default_backbone()
    try:
        seq, _ = extract_landmarks(str(_clip(dataset, "jrplatin__squat")), backbone)
    finally:
        backbone.close()
    return seq  # 3 front squats in 8.5 s


@pytest.mark.parametrize("loops,gap_at", [(2.0, 0.8), (2.5, 0.6), (2.5, 0.8)])
def test_squats_after_a_dropped_connection_are_still_counted(squat_landmarks, loops, gap_at):
    """The browser test's live stream, without the browser: the clip looped (the fake camera)
    with 2 s lost to a dropped connection. The image heights the counter follows are read
    from the picture; integrating their speed drifted across such a stream and hid the
    repetitions after the gap (2 or 4 counted here)."""
    from inference import analyze_sequence
    from inference.landmarks import LandmarkSequence

    seq = squat_landmarks
    n = len(seq)
    total = int(loops * n)
    idx = np.arange(total) % n
    gap = np.zeros(total, bool)
    gap[int(gap_at * n) : int(gap_at * n) + int(2 * seq.fps)] = True
    image, world = seq.image[idx].copy(), seq.world[idx].copy()
    image[gap], world[gap] = np.nan, np.nan
    vis = np.where(gap[:, None], 0.0, seq.visibility[idx]).astype(np.float32)
    looped = LandmarkSequence(
        seq.fps, image, vis, world, seq.present[idx] & ~gap, seq.frame_size, total / seq.fps
    )
    reps = sum(analyze_sequence(looped).totals.reps_by_exercise.values())
    shown = 3 * loops  # squats the camera showed, some of them lost in the gap
    # The failure this guards against is the lower bound (repetitions hidden after the gap).
    # The landmarks differ slightly between machines (LiteRT/XNNPACK builds): on one, the
    # 6.8-s stretch before the gap at 0.8 counted 4 for its 2.4 squats (7 for 6 shown),
    # hence one repetition of slack above.
    assert shown - 2 <= reps <= shown + 1
