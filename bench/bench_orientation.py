"""Can the pose tell a wrong rotation tag from a right one? The evidence behind the
decoder's rule (docs/engine.md, "Rotation tags").

A container's rotation tag turns the stored pixels for display. A tag of 90 on footage
whose pixels are already upright shows the person turned a quarter; a right tag shows them
upright. So the question is: given the frames as the tag shows them and as stored, which
one is upright? This takes the first 3 s of dataset clips (up to --per-label clips of each
exercise; the dataset's files carry no rotation tag and play upright), looks at frames 0,
0.5, ... 3.0 s as decoded and turned a quarter either way, and runs the pose detector and
the landmark model on each (the detector's best person, no tracking). For each candidate
rule, "keep the view where the rule's value is higher", it counts:

- fixed: clips where the upright view wins against the view a wrong tag of 90 gives
  (the upright pixels turned a quarter anticlockwise, as ffmpeg's rotate=90 shows them);
- broken: clips where the view a right tag of 90 would ignore (the stored pixels: the
  upright view turned a quarter clockwise) wins against the upright one, i.e. where
  trusting the rule over the tag would turn a correctly tagged video.

The rules: the detector's score; the landmark model's presence; the torso's uprightness
(shoulders above hips); the feet lowest in the picture; hands and feet below the torso.
Also the time one look (detector + landmarks) takes. Needs the dataset
(../shared/datasets/exercise-clips, or COACH_DATASET_DIR).

    .venv/bin/python bench/bench_orientation.py --per-label 4
"""

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_live import DATASET  # noqa: E402  (bench/, beside this file)

from inference.decode import FrameStream  # noqa: E402
from inference.pose.litert.detector import PoseDetector, detection_rect  # noqa: E402
from inference.pose.litert.landmarker import PoseLandmarker  # noqa: E402
from inference.pose.litert.models import (  # noqa: E402
    DETECTOR,
    LANDMARK_FULL,
    SEGMENTATION_OUTPUT,
    make_interpreter,
)

VIEWS = {"upright": 0, "turned clockwise": -1, "turned anticlockwise": 1}  # np.rot90's k
LOOK_EVERY, LOOK_UNTIL = 5, 31  # grid frames: 0, 0.5, ... 3.0 s
SHOULDERS, HIPS, WRISTS, FEET = (11, 12), (23, 24), (15, 16), (27, 28, 29, 30, 31, 32)
HORIZONTAL = 0.5  # |uprightness| below it in the upright view: the person lies along x


def rules(look) -> dict[str, float]:
    """Each candidate rule's value for one look (a person found in one view of a frame)."""
    score, presence, xy = look
    shoulders, hips = xy[list(SHOULDERS)].mean(0), xy[list(HIPS)].mean(0)
    torso = shoulders - hips
    torso_length = float(np.linalg.norm(torso)) + 1e-9
    ys = xy[:, 1]
    ends = xy[list(WRISTS + FEET)].mean(0) - (shoulders + hips) / 2
    return {
        "detector score": score,
        "landmark presence": presence,
        "torso upright": -torso[1] / torso_length,  # image y grows downwards
        "feet lowest": (xy[list(FEET), 1].mean() - ys.min()) / (np.ptp(ys) + 1e-9),
        "hands and feet below": ends[1] / torso_length,
    }


def views_of(clip: dict, detector, landmarker, timing: list[float]) -> dict[str, dict] | None:
    frames = [
        f.rgb
        for f in FrameStream(str(DATASET / clip["video"]), stop=LOOK_UNTIL)
        if f.index % LOOK_EVERY == 0
    ]
    out = {}
    for view, k in VIEWS.items():
        values = collections.defaultdict(list)
        for rgb in frames:
            turned = np.ascontiguousarray(np.rot90(rgb, k))
            started = time.perf_counter()
            found = detector.detect(turned)
            if found is None:
                timing.append(time.perf_counter() - started)
                continue
            h, w = turned.shape[:2]
            raw = landmarker.run(turned, detection_rect(found, w, h))
            timing.append(time.perf_counter() - started)
            xy = raw.image[:, :2] * [w, h]  # pixels, so angles are true on any aspect
            for name, value in rules((found.score, raw.presence, xy)).items():
                values[name].append(value)
        if not values:
            return None  # nobody found in this view: the clip says nothing
        out[view] = {name: float(np.mean(v)) for name, v in values.items()}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-label", type=int, default=4, help="clips per exercise")
    args = parser.parse_args()
    manifest = json.loads((DATASET / "manifest.json").read_text())
    detector = PoseDetector(make_interpreter(DETECTOR, 1))
    landmarker = PoseLandmarker(make_interpreter(LANDMARK_FULL, 1, drop_output=SEGMENTATION_OUTPUT))
    taken: collections.Counter = collections.Counter()
    results, timing = [], []
    for clip in manifest:
        if taken[clip["label"]] >= args.per_label:
            continue
        taken[clip["label"]] += 1
        views = views_of(clip, detector, landmarker, timing)
        if views is not None:
            results.append((clip, views))
    horizontal = [abs(v["upright"]["torso upright"]) < HORIZONTAL for _, v in results]
    print(f"{len(results)} clips of {len(taken)} exercises with a person in every view; "
          f"{sum(horizontal)} lying or planking (torso within 30 degrees of level)\n")  # fmt: skip
    print(f"{'rule':22} {'fixed (wrong tag)':>20} {'broken (right tag)':>20}"
          f" {'fixed, lying':>14} {'broken, lying':>14}")  # fmt: skip
    for name in results[0][1]["upright"]:
        fixed = [v["upright"][name] > v["turned anticlockwise"][name] for _, v in results]
        broken = [v["turned clockwise"][name] > v["upright"][name] for _, v in results]
        lying_fixed = [f for f, h in zip(fixed, horizontal, strict=True) if h]
        lying_broken = [b for b, h in zip(broken, horizontal, strict=True) if h]
        print(f"{name:22} {sum(fixed):>12} of {len(fixed):<5} {sum(broken):>12} of {len(broken):<5}"
              f" {sum(lying_fixed):>6} of {len(lying_fixed):<5}"
              f" {sum(lying_broken):>6} of {len(lying_broken):<5}")  # fmt: skip
    ms = np.array(timing) * 1000
    print(f"\none look (detector + landmarks, 1 thread): median {np.median(ms):.1f} ms, "
          f"p95 {np.percentile(ms, 95):.1f} ms over {len(ms)} looks; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip


if __name__ == "__main__":
    main()
