"""Live streaming latency: N concurrent live sessions at 15 frames/s of real clip frames.

Starts the stack as production runs it: daphne (ASGI, WebSockets) and Celery worker
processes on the `live` queue, on PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set
(else the embedded SQLite + filesystem broker). Signs up one user per session, streams JPEG
frames over real WebSockets at the camera's pace and prints the latency from sending a frame
to the first `update` whose `t` covers it (after a warm-up, while the workers load the pose
model), plus the CPU time each process used (wall time is disturbed by anything else running
on the machine).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/bench_live.py --sessions 4 --seconds 45 --workers 2
"""

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import cv2
import websockets
from web_stack import own_database_url, signup

REPO = Path(__file__).resolve().parents[1]
DATASET = Path(
    os.environ.get("COACH_DATASET_DIR", REPO / ".." / "shared" / "datasets" / "exercise-clips")
).resolve()
PYTHON = sys.executable
CLIPS = [  # long single-exercise clips of different exercises
    "rj-song__videos-squat2",
    "joe-lo0716__pushup",
    "apurvo2004__high-knees",
    "joe-lo0716__situp",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clip_frames(clip_id: str, fps: float, seconds: float, max_side: int = 640):
    """JPEG frames at `fps` for `seconds` (the clip looped), as a phone would send them."""
    manifest = json.loads((DATASET / "manifest.json").read_text())
    clip = next(c for c in manifest if c["id"] == clip_id)
    capture = cv2.VideoCapture(str(DATASET / clip["video"]))
    source_fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    source = []
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        scale = min(1.0, max_side / max(bgr.shape[:2]))
        if scale < 1:
            bgr = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        source.append(bgr)
    capture.release()
    frames, encoded = [], {}
    for i in range(int(seconds * fps)):
        t = i / fps
        index = int(t * source_fps) % len(source)
        if index not in encoded:
            encoded[index] = cv2.imencode(".jpg", source[index], [cv2.IMWRITE_JPEG_QUALITY, 80])[
                1
            ].tobytes()
        frames.append((t, encoded[index]))
    return frames


async def live_session(url, token, frames, warmup_s, report):
    sent: dict[float, float] = {}  # t -> monotonic send time, until an update covers it
    latencies, updates = [], 0
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(await ws.recv())["type"] == "ready"
        await ws.send(json.dumps({"type": "start", "title": "bench"}))
        started = json.loads(await ws.recv())
        assert started["type"] == "started", started

        async def receiver():
            nonlocal updates
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "update":
                    updates += 1
                    now = time.monotonic()
                    for t in [t for t in sent if t <= message["t"] + 1e-9]:
                        if t >= warmup_s:
                            latencies.append(now - sent[t])
                        del sent[t]
                    if message["t"] >= frames[-1][0] - 1e-9:
                        return
                elif message["type"] == "error":
                    report["errors"].append(message)

        listening = asyncio.create_task(receiver())
        start = time.monotonic()
        for t, jpeg in frames:
            delay = start + t - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sent[t] = time.monotonic()
            await ws.send(struct.pack(">d", t) + jpeg)
        await asyncio.wait_for(listening, 60)
        await ws.send(json.dumps({"type": "stop"}))
        while json.loads(await ws.recv())["type"] != "stopped":
            pass
    report["latencies"].extend(latencies)
    report["updates"] += updates
    report["unanswered"] += len(sent)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its (waited-for and live) children."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15]) / ticks  # utime stime cutime cstime
    return total


def wait_for_http(base: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError("the web server did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=45.0)
    parser.add_argument("--fps", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (prefork)")
    parser.add_argument("--warmup", type=float, default=5.0, help="stream seconds not counted")
    args = parser.parse_args()
    if not (DATASET / "manifest.json").exists():
        sys.exit(f"dataset not found at {DATASET} (set COACH_DATASET_DIR)")

    scratch = Path(tempfile.mkdtemp(prefix="coach-bench-live-run-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coach.settings.local",
        "DATABASE_URL": own_database_url("coach_bench_live"),
        "MEDIA_ROOT": str(scratch / "media"),
        "CELERY_FS_DIR": str(scratch / "celery"),
        "AUTH_THROTTLE_RATE": "1000/min",
        "WORKOUTS_MAX_IN_FLIGHT": "1000",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(scratch / "stack.log", "wb")
    web = subprocess.Popen(
        [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "coach.asgi:application"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=log,
    )
    worker = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "coach", "worker", "-Q", "live", "--loglevel=WARNING"]
        + [f"--concurrency={args.workers}", "--without-gossip", "--without-mingle"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        wait_for_http(base)
        frames = [
            clip_frames(CLIPS[i % len(CLIPS)], args.fps, args.seconds) for i in range(args.sessions)
        ]
        tokens = [signup(base) for _ in range(args.sessions)]
        report = {"latencies": [], "updates": 0, "unanswered": 0, "errors": []}
        cpu_before = {"web": cpu_seconds(web.pid), "workers": cpu_seconds(worker.pid)}
        own_before = resource.getrusage(resource.RUSAGE_SELF)
        load_before = os.getloadavg()
        wall = time.monotonic()

        async def everything():
            url = f"ws://127.0.0.1:{port}/api/v1/live/"
            await asyncio.gather(
                *(
                    live_session(url, token, session_frames, args.warmup, report)
                    for token, session_frames in zip(tokens, frames, strict=True)
                )
            )

        asyncio.run(everything())
        wall = time.monotonic() - wall
        own = resource.getrusage(resource.RUSAGE_SELF)
        cpu = {
            "web": cpu_seconds(web.pid) - cpu_before["web"],
            "workers": cpu_seconds(worker.pid) - cpu_before["workers"],
            "bench client": own.ru_utime + own.ru_stime - own_before.ru_utime - own_before.ru_stime,
        }
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()

    latencies = sorted(report["latencies"])
    backend = "PostgreSQL + Redis" if env["DATABASE_URL"].startswith("postgres") else "embedded"
    print(
        f"live streaming: {args.sessions} sessions x {args.seconds:g} s at {args.fps:g} fps, "
        f"{args.workers} worker processes, {backend} ({os.cpu_count()} CPUs, "
        f"load before {load_before[0]:.2f})"
    )
    if not latencies:
        sys.exit(f"no latencies measured; errors: {report['errors'][:3]} (log: {log.name})")
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    print(
        f"frame -> update latency over {len(latencies)} frames (first {args.warmup:g} s of "
        f"each stream not counted): p50 {p(0.5) * 1000:.0f} ms, p95 {p(0.95) * 1000:.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms"
    )
    print(
        f"updates: {report['updates']}, frames never covered: {report['unanswered']}, "
        f"errors: {len(report['errors'])}"
    )
    print(
        f"CPU seconds in {wall:.1f} s wall: "
        + ", ".join(f"{name} {seconds:.1f}" for name, seconds in cpu.items())
    )


if __name__ == "__main__":
    main()
