"""What a user waits for: a whole `python -m inference analyze VIDEO --json` process on real
footage, start-up included (bench_inference.py times the engine inside one process).

    .venv/bin/python bench/bench_analyze_process.py [--clip PATH] [--runs 3] [--minutes 10]
        [--root TREE] [--keep DIR]

The clip: a real dataset clip (default rj-song__videos-squat2: 43 s of bodyweight squats,
front view, 640x360 at 29.97 fps) upscaled to 1280x720 at 30 fps, H.264 like a phone's,
through the ffmpeg program (`apt-get install ffmpeg` on Debian/Ubuntu, `brew install ffmpeg`
on macOS). Without ffmpeg it falls back to OpenCV's MPEG-4 part 2 (mp4v) and says so:
that codec decodes faster than H.264, so the figures then flatter the engine.

1. speed: the process on the 720p clip, one warm-up run then --runs runs; per run and the
   median: wall seconds, real-time factor (video seconds / wall), CPU seconds (user + sys
   of the child, from os.wait4) per video second, peak RSS of the child;
2. start-up: the same process on a one-frame clip cut from it (imports, model loading,
   the first frame and the result), median of --runs;
3. memory: the process once on a --minutes long video (the same clip looped, stream-copied
   by ffmpeg; 0 skips it): peak RSS, with its wall and real-time factor.

--root runs another checkout of the engine (e.g. an older commit exported with
`git archive REV | tar -x -C DIR`) with this interpreter, PYTHONPATH=DIR and cwd=DIR.
--keep DIR keeps the made clips there (and reuses them on the next run).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATASET = Path(
    os.environ.get("COACH_DATASET_DIR", REPO.parent / "shared" / "datasets" / "exercise-clips")
)
DEFAULT_CLIP = DATASET / "videos" / "squat" / "rj-song__videos-squat2.mp4"
H264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-an"]
FIT_720P = "scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:-1:-1"


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True)


def make_clips(src: Path, out: Path, minutes: float) -> tuple[Path, Path, Path | None]:
    """The 720p 30 fps clip, a one-frame clip cut from it, and the long clip (or None)."""
    clip, one, long = out / "bench_720p30.mp4", out / "bench_1frame.mp4", None
    if minutes > 0:
        long = out / f"bench_720p30_{minutes:g}min.mp4"
    if shutil.which("ffmpeg"):
        if not clip.exists():
            ffmpeg("-i", str(src), "-vf", FIT_720P, "-r", "30", *H264, str(clip))
        if not one.exists():
            ffmpeg("-i", str(clip), "-frames:v", "1", *H264, str(one))
        if long and not long.exists():
            # -stream_loop N plays it N + 1 times: at least `minutes` in all
            loops = math.ceil(minutes * 60 / probe_seconds(clip)) - 1
            ffmpeg("-stream_loop", str(loops), "-i", str(clip), "-c", "copy", str(long))
        return clip, one, long
    print(
        "note: no ffmpeg on PATH, so the clips are OpenCV's MPEG-4 part 2 (mp4v), not H.264 "
        "like a phone's; it decodes faster, so these figures flatter the engine. Install "
        "ffmpeg (apt-get install ffmpeg) to measure H.264.",
        flush=True,
    )
    # In child processes: a child's peak RSS counts its parent's at the start (vfork, exec),
    # so this process must never hold decoded frames.
    for path, length in ((clip, 0.0), (one, 1 / 30), (long, minutes * 60)):
        if path and not path.exists():
            args = ["--mp4v", str(src), str(path), str(length)]
            subprocess.run([sys.executable, __file__, *args], check=True)
    return clip, one, long


def make_mp4v(src: str, dst: str, seconds: str) -> None:
    """Run in a subprocess: OpenCV's mp4v clip (0 seconds: the source's own length)."""
    import cv2

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_inference import make_video

    length = float(seconds)
    if length <= 0:
        cap = cv2.VideoCapture(src)
        length = cap.get(cv2.CAP_PROP_FRAME_COUNT) / cap.get(cv2.CAP_PROP_FPS)
        cap.release()
    make_video(Path(src), Path(dst), length)


def probe_seconds(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"]
        + [str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


def run_analyze(video: Path, root: Path) -> dict:
    """One whole `python -m inference analyze VIDEO --json` process, timed from outside
    (this process stays small: the child's peak RSS starts from its parent's)."""
    env = dict(os.environ, PYTHONPATH=str(root))
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "inference", "analyze", str(video), "--json"],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - t0
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise SystemExit(f"analyze {video} exited with {child.returncode}")
        out.seek(0)
        result = json.loads(out.read())
    video_s = result["duration_s"]
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "wall_s": wall,
        "video_s": video_s,
        "rtf": video_s / wall,
        "cpu_per_s": cpu / video_s,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # kB on Linux
    }


def describe(r: dict) -> str:
    return (
        f"{r['wall_s']:6.2f} s wall, {r['rtf']:5.2f}x real time, "
        f"{r['cpu_per_s']:.3f} CPU-s per video-s, peak RSS {r['peak_rss_mb']:.0f} MB"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clip", type=Path, default=DEFAULT_CLIP, help="real footage to upscale")
    ap.add_argument("--runs", type=int, default=3, help="timed runs after one warm-up")
    ap.add_argument("--minutes", type=float, default=10.0, help="long video (0: skip)")
    ap.add_argument("--root", type=Path, default=REPO, help="checkout whose engine runs")
    ap.add_argument("--keep", type=Path, help="folder to keep and reuse the made clips")
    ap.add_argument("--mp4v", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.mp4v:
        make_mp4v(*a.mp4v)
        return
    root = a.root.resolve()
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f};"
        f" engine: {root}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = a.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        clip, one, long = make_clips(a.clip, out, a.minutes)
        print(f"clip: {a.clip.name} upscaled to 1280x720 30 fps -> {clip}", flush=True)

        run_analyze(clip, root)  # warm-up: file cache, bytecode
        runs = [run_analyze(clip, root) for _ in range(a.runs)]
        for i, r in enumerate(runs, 1):
            print(f"speed run {i}: {r['video_s']:.1f} s video: {describe(r)}", flush=True)
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        rtfs = [r["rtf"] for r in runs]
        print(
            f"speed median of {len(runs)}: {describe(med)} "
            f"(real time {min(rtfs):.2f}x..{max(rtfs):.2f}x)",
            flush=True,
        )

        starts = [run_analyze(one, root) for _ in range(a.runs)]
        walls = [r["wall_s"] for r in starts]
        print(
            f"start-up (the process on a one-frame clip) median of {len(starts)}: "
            f"{statistics.median(walls):.2f} s wall ({min(walls):.2f}..{max(walls):.2f}), "
            f"CPU {statistics.median(r['cpu_per_s'] * r['video_s'] for r in starts):.2f} s, "
            f"peak RSS {statistics.median(r['peak_rss_mb'] for r in starts):.0f} MB",
            flush=True,
        )

        if long:
            r = run_analyze(long, root)
            print(f"memory: {r['video_s'] / 60:.1f} min video: {describe(r)}", flush=True)
    load = os.getloadavg()
    print(f"load average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}", flush=True)


if __name__ == "__main__":
    main()
