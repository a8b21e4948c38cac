"""Speed and memory of the analysis engine, end to end (decode + pose + heads + post),
for each pose backbone, and agreement of the LiteRT backbone with mediapipe's.

    .venv/bin/python bench/bench_inference.py [--clip PATH] [--seconds 30] [--minutes 10]
        [--backbones blazepose_full_litert,blazepose_full]
    .venv/bin/python bench/bench_inference.py --compare [--limit N]

1. real-time factor on a 720p 30 fps clip (a dataset clip upscaled and looped into a temp
   file: H.264 through the ffmpeg program when it is installed, else OpenCV's MPEG-4 part
   2, which decodes faster), wall clock and CPU seconds per video second (the
   machine is shared, so CPU time is the steadier figure);
   then the same clip stage by stage (decoding alone, the pose model alone): on a slow
   or shared machine this shows whether the code or the machine changed;
2. peak resident memory (RSS) of a separate process analysing a long (default 10 min) 720p
   video made the same way;
3. `--compare`: the LiteRT backbone against mediapipe's on dataset clips (mediapipe
   landmarks from the landmark cache when present, else extracted now).

These figures are in-process (no start-up, no interpreter): what a user waits for, a whole
`python -m inference analyze` process on real footage, is bench/bench_analyze_process.py.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
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
BACKBONES = "blazepose_full_litert,blazepose_full"


class _FfmpegH264Writer:
    """H.264 (what phones record) through the ffmpeg program; OpenCV's wheels cannot."""

    def __init__(self, dst: Path, fps: float, size):
        self._process = subprocess.Popen(
            ["ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "bgr24"]
            + ["-s", f"{size[0]}x{size[1]}", "-r", str(fps), "-i", "-", "-c:v", "libx264"]
            + ["-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", str(dst)],
            stdin=subprocess.PIPE,
        )

    def write(self, frame) -> None:
        self._process.stdin.write(frame.tobytes())

    def release(self) -> None:
        self._process.stdin.close()
        if self._process.wait() != 0:
            raise SystemExit("ffmpeg failed to encode the benchmark clip")


def codec() -> str:
    return "H.264" if shutil.which("ffmpeg") else "MPEG-4 part 2 (no ffmpeg on PATH for H.264)"


def make_video(src: Path, dst: Path, seconds: float, size=(1280, 720), fps=30.0) -> None:
    """Upscale `src` to `size` and loop it (forwards) to `seconds` at `fps`: H.264 when the
    ffmpeg program is installed, else OpenCV's MPEG-4 part 2."""
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
    if shutil.which("ffmpeg"):
        writer = _FfmpegH264Writer(dst, fps, size)
    else:
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


def child_analyze(path: str, backbone: str) -> None:
    """Run in a subprocess: analyse and print timing + own peak RSS as JSON."""
    from inference import analyze_video
    from inference.pose import default_backbone

    bb = default_backbone(backbone)
    timings = {}
    t0, c0 = time.perf_counter(), time.process_time()
    res = analyze_video(path, backbone=bb, timings=timings)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    bb.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "backbone": backbone,
                "wall_s": wall,
                "cpu_s": cpu,
                "duration_s": res.duration_s,
                "frames": res.frames_analysed,
                "peak_rss_mb": peak_kb / 1024,
                "bouts": len(res.bouts),
                "reps": res.totals.reps_by_exercise,
            }
        )
    )


def child_stages(path: str, backbone: str) -> None:
    """Run in a subprocess: the stages one after the other (no decode thread), so each
    one's CPU cost is its own: decoding (grab every frame, retrieve + resize the grid
    frames), then the pose model on the decoded frames."""
    from inference.decode import FrameStream
    from inference.pose import default_backbone

    c0 = time.process_time()
    stream = FrameStream(path)
    frames = [fr.rgb for fr in stream]
    decode_cpu = time.process_time() - c0
    bb = default_backbone(backbone)
    bb.reset()
    bb.process(frames[0])  # interpreters are created on the first frame
    bb.reset()
    t0, c0 = time.perf_counter(), time.process_time()
    for f in frames:
        bb.process(f)
    pose_wall, pose_cpu = time.perf_counter() - t0, time.process_time() - c0
    bb.close()
    n, d = len(frames), stream.duration_s
    print(
        json.dumps(
            {
                "decode_cpu_per_s": decode_cpu / d,
                "pose_cpu_ms": 1000 * pose_cpu / n,
                "pose_wall_ms": 1000 * pose_wall / n,
                "pose_cpu_per_s": pose_cpu / d,
            }
        )
    )


def describe_stages(r: dict) -> str:
    total = r["decode_cpu_per_s"] + r["pose_cpu_per_s"]
    return (
        f"decoding {r['decode_cpu_per_s']:.3f} CPU-s per video-s; pose "
        f"{r['pose_cpu_ms']:.1f} CPU-ms ({r['pose_wall_ms']:.1f} ms wall) per frame = "
        f"{r['pose_cpu_per_s']:.3f} CPU-s per video-s; together {total:.3f} CPU-s per "
        f"video-s, run alone (a thread pool's spinning counts as CPU; run together, the "
        f"other stage can fill it)"
    )


def run_child(path: Path, backbone: str, mode: str = "--child") -> dict:
    env = dict(os.environ, GLOG_minloglevel="2", TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run(
        [sys.executable, __file__, mode, str(path), "--backbone", backbone],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def describe(r: dict) -> str:
    d = r["duration_s"]
    return (
        f"{r['wall_s']:.1f} s wall -> {d / r['wall_s']:.2f}x real time; "
        f"CPU {r['cpu_s']:.1f} s = {r['cpu_s'] / d:.3f} CPU-s per video-s; "
        f"peak RSS {r['peak_rss_mb']:.0f} MB"
    )


def compare(limit: int | None) -> None:
    """LiteRT backbone vs mediapipe's on dataset clips."""
    from inference.landmarks import cache_path, cached_landmarks, extract_landmarks
    from inference.pose.litert import LiteRtBlazePoseBackbone
    from inference.pose.mediapipe import BlazePoseBackbone
    from inference.training.compare import compare_sequences, pooled
    from inference.training.dataset import load_manifest

    clips = load_manifest(DATASET / "manifest.json")
    # Clips whose mediapipe landmarks are cached first: they cost no mediapipe run.
    mp_version = BlazePoseBackbone.version
    clips.sort(key=lambda c: not cache_path(c.id, mp_version, 10.0).exists())
    clips = clips[:limit] if limit else clips
    ours_bb, ref_bb = LiteRtBlazePoseBackbone(), BlazePoseBackbone()
    results, pose_s, frames = [], 0.0, 0
    for c in clips:
        ref = cached_landmarks(c.id, str(c.video_path), ref_bb)
        # One track, as mediapipe's graph runs it (no slices side by side).
        seq, stats = extract_landmarks(str(c.video_path), ours_bb, workers=1)
        pose_s, frames = pose_s + stats["wall_s"], frames + len(seq)
        r = compare_sequences(seq, ref)
        results.append(r)
        print(
            f"{c.id:55s} frames {r['frames']:4d} presence agree {r['presence_agreement']:.3f} "
            f"image median {r['image_median']:.4f} mean {r['image_mean']:.4f} "
            f"world median {r['world_median_m']:.3f} m",
            flush=True,
        )
    s = pooled(results)
    print(json.dumps(s, indent=1))
    ms = 1000 * pose_s / max(frames, 1)
    print(f"LiteRT decode + pose: {ms:.1f} ms per analysed frame (wall)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip", default=str(DEFAULT_CLIP))
    ap.add_argument("--seconds", type=float, default=30.0, help="length of the speed clip")
    ap.add_argument(
        "--minutes", type=float, default=10.0, help="length of the memory clip (0: skip)"
    )
    ap.add_argument("--backbones", default=BACKBONES, help="comma-separated backbone names")
    ap.add_argument("--compare", action="store_true", help="LiteRT vs mediapipe landmarks")
    ap.add_argument("--limit", type=int, default=0, help="clips for --compare (0: all)")
    ap.add_argument("--child")
    ap.add_argument("--stages-child")
    ap.add_argument("--backbone")
    a = ap.parse_args()
    if a.child:
        child_analyze(a.child, a.backbone)
        return
    if a.stages_child:
        child_stages(a.stages_child, a.backbone)
        return
    if a.compare:
        compare(a.limit or None)
        return
    names = [n for n in a.backbones.split(",") if n]
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        speed_clip = Path(tmp) / "bench_720p30.mp4"
        make_video(Path(a.clip), speed_clip, a.seconds)
        for name in names:
            r = run_child(speed_clip, name)
            print(
                f"speed [{name}]: 720p 30 fps {codec()}, {r['duration_s']:.1f} s video, "
                f"{r['frames']} analysed frames: {describe(r)}",
                flush=True,
            )
            r = run_child(speed_clip, name, "--stages-child")
            print(f"stages [{name}], one after the other: {describe_stages(r)}", flush=True)
        if a.minutes > 0:
            long_clip = Path(tmp) / "bench_long_720p30.mp4"
            make_video(Path(a.clip), long_clip, a.minutes * 60)
            for name in names:
                r = run_child(long_clip, name)
                print(
                    f"memory [{name}]: {r['duration_s'] / 60:.1f} min 720p 30 fps {codec()}: "
                    f"{describe(r)}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
