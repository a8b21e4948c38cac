"""The LiteRT BlazePose backbone against mediapipe's on real dataset clips."""

import json
import subprocess
import sys

import numpy as np
import pytest

from inference.landmarks import extract_landmarks
from inference.pose.litert import LiteRtBlazePoseBackbone
from inference.pose.mediapipe import BlazePoseBackbone
from inference.training.compare import compare_sequences

# Short clips with one person in full view, fast movement (jumps, floor work).
CLIPS = ["monkeyshavefallenthetree__videos-jumping-jacks", "apurvo2004__burpees"]


def _video(dataset, clip_id):
    for c in json.loads((dataset / "manifest.json").read_text()):
        if c["id"] == clip_id:
            return str(dataset / c["video"])
    pytest.skip(f"clip {clip_id} not in the manifest")


@pytest.mark.parametrize("clip_id", CLIPS)
def test_litert_landmarks_match_mediapipe(dataset, clip_id):
    path = _video(dataset, clip_id)
    reference, _ = extract_landmarks(path, BlazePoseBackbone())
    ours, _ = extract_landmarks(path, LiteRtBlazePoseBackbone())
    r = compare_sequences(ours, reference)
    assert r["frames"] == len(reference) == len(ours)
    assert r["presence_agreement"] >= 0.98, r
    assert r["image_median"] < 0.01, r  # normalised frame coordinates
    assert r["world_median_m"] < 0.03, r
    assert r["visibility_mean_abs"] < 0.05, r


_FORK_SCRIPT = """
import multiprocessing as mp, sys
import inference, inference.pose      # imported before the fork, like a Celery worker
from inference.landmarks import extract_landmarks

def work(path, q):
    seq, _ = extract_landmarks(path, inference.pose.default_backbone("blazepose_full_litert"))
    q.put(float(seq.present.mean()))

ctx = mp.get_context("fork")
q = ctx.Queue()
p = ctx.Process(target=work, args=(sys.argv[1], q))
p.start()
p.join(timeout=90)
print(p.exitcode, q.get(timeout=5) if p.exitcode == 0 else None)
"""


def test_litert_backbone_works_in_a_forked_worker(dataset):
    out = subprocess.run(
        [sys.executable, "-c", _FORK_SCRIPT, _video(dataset, CLIPS[0])],
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    exitcode, present = out.stdout.strip().split(" ", 1)
    assert exitcode == "0", out.stderr[-2000:]
    assert float(present) > 0.9


def test_tracking_moves_to_another_backbone_exactly(dataset):
    """A live stream's next chunk may run in another worker process: restoring the tracking
    state there gives the very landmarks one backbone would have given."""
    from inference.decode import FrameStream

    frames = [f.rgb for f in FrameStream(_video(dataset, CLIPS[1]))][:40]
    one = LiteRtBlazePoseBackbone()
    expected = [one.process(rgb) for rgb in frames]
    first, second = LiteRtBlazePoseBackbone(), LiteRtBlazePoseBackbone()
    got = [first.process(rgb) for rgb in frames[:20]]
    second.restore_tracking(first.tracking_state())
    got += [second.process(rgb) for rgb in frames[20:]]
    assert second.detector_calls == 0  # it went on tracking, no new detection
    assert all(e is not None for e in expected)
    for e, g in zip(expected, got, strict=True):
        assert np.array_equal(e.image, g.image) and np.array_equal(e.world, g.world)
        assert np.array_equal(e.visibility, g.visibility)
    # Without it, the other backbone starts over from a detection: not the same landmarks.
    fresh = LiteRtBlazePoseBackbone()
    restarted = [fresh.process(rgb) for rgb in frames[20:]]
    # (at least one detection: on some machines the fresh track is lost and found again)
    assert fresh.detector_calls >= 1
    assert not all(
        np.array_equal(e.image, r.image) for e, r in zip(expected[20:], restarted, strict=True)
    )
    # An empty state forgets tracking.
    second.restore_tracking(b"")
    assert second._roi is None
