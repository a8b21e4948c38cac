"""Speed and memory of the analysis engine, end to end (decode + pose + heads + post).

    .venv/bin/python bench/bench_inference.py [--clip PATH] [--seconds 30] [--minutes 10]

1. real-time factor on a 720p 30 fps clip (a dataset clip upscaled and looped into a temp
   file with OpenCV);
2. peak resident memory (RSS) of a separate process analysing a long (default 10 min) 720p
   video made the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DATASET = Path(
    os.environ.get("COACH_DATASET_DIR", REPO.parent / "shared" / "datasets" / "exercise-clips")
)
DEFAULT_CLIP = DATASET / "videos" / "squat" / "apurvo2004__squats.mp4"


def make_video(src: Path, dst: Path, seconds: float, size=(1280, 720), fps=30.0) -> None:
    """Upscale `src` to `size` and loop it (forwards) to `seconds` at `fps`."""
    cap = cv2.VideoCapture(str(src))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    cap.release()
    if not frames:
        raise SystemExit(f"cannot read {src}")
    h, w = frames[0].shape[:2]
    scale = min(size[0] / w, size[1] / h)
    nw, nh = int(w * scale) // 2 * 2, int(h * scale) // 2 * 2
    writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    n = int(seconds * fps)
    canvas = None
    for i in range(n):
        f = cv2.resize(frames[i % len(frames)], (nw, nh), interpolation=cv2.INTER_LINEAR)
        if (nw, nh) != size:
            canvas = (
                canvas
                if canvas is not None
                else cv2.copyMakeBorder(f, 0, size[1] - nh, 0, size[0] - nw, cv2.BORDER_CONSTANT)
            )
            canvas[:] = 0
            y0, x0 = (size[1] - nh) // 2, (size[0] - nw) // 2
            canvas[y0 : y0 + nh, x0 : x0 + nw] = f
            f = canvas
        writer.write(f)
    writer.release()


def child_analyze(path: str) -> None:
    """Run in a subprocess: analyse and print timing + own peak RSS as JSON."""
    from inference import analyze_video

    timings = {}
    t0 = time.perf_counter()
    res = analyze_video(path, timings=timings)
    wall = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "wall_s": wall,
                "duration_s": res.duration_s,
                "frames": res.frames_analysed,
                "peak_rss_mb": peak_kb / 1024,
                "bouts": len(res.bouts),
            }
        )
    )


def run_child(path: Path) -> dict:
    env = dict(os.environ, GLOG_minloglevel="2", TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip", default=str(DEFAULT_CLIP))
    ap.add_argument("--seconds", type=float, default=30.0, help="length of the speed clip")
    ap.add_argument(
        "--minutes", type=float, default=10.0, help="length of the memory clip (0: skip)"
    )
    ap.add_argument("--child")
    a = ap.parse_args()
    if a.child:
        child_analyze(a.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        speed_clip = Path(tmp) / "bench_720p30.mp4"
        make_video(Path(a.clip), speed_clip, a.seconds)
        r = run_child(speed_clip)
        print(
            f"speed: 720p 30 fps, {r['duration_s']:.1f} s video, {r['frames']} analysed frames: "
            f"{r['wall_s']:.1f} s wall -> {r['duration_s'] / r['wall_s']:.2f}x real time "
            f"(peak RSS {r['peak_rss_mb']:.0f} MB)",
            flush=True,
        )
        if a.minutes > 0:
            long_clip = Path(tmp) / "bench_long_720p30.mp4"
            make_video(Path(a.clip), long_clip, a.minutes * 60)
            r = run_child(long_clip)
            print(
                f"memory: {r['duration_s'] / 60:.1f} min 720p 30 fps video: peak RSS "
                f"{r['peak_rss_mb']:.0f} MB, {r['wall_s']:.0f} s wall "
                f"({r['duration_s'] / r['wall_s']:.2f}x real time)",
                flush=True,
            )


if __name__ == "__main__":
    main()
