"""A 1 GB direct upload on the production web stack: web memory, /healthz and a live socket.

Starts the stack as production runs it (docker/): gunicorn worker processes for HTTP
(coach/gunicorn_conf.py) and daphne for the live WebSocket, on free loopback ports, on a
database of its own (PostgreSQL `coach_bench_upload` next to DATABASE_URL's, else a
throwaway SQLite file) and a scratch media folder. Then sends one direct upload
(`POST /api/v1/sessions/`, multipart) of a real small MP4 padded to the size asked for with
MP4 padding (decoders skip it, so the upload passes the decoding check and is stored), while
/healthz is polled over and over and an authenticated live WebSocket is pinged. Prints the
peak RSS growth of the web processes (gunicorn master and workers) over their size before
the upload, and /healthz and ping latencies while it was in flight.

`--server daphne` serves HTTP and the WebSocket from one daphne process instead (how both
were served before), to compare.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/bench_direct_upload.py --size-mb 1024
"""

import argparse
import contextlib
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from web_stack import own_database_url, signup  # noqa: E402

from tests.polling import Call, LiveSocketPinger, Poller  # noqa: E402
from tests.servers import (  # noqa: E402  (helpers shared with the integration tests)
    daphne_command,
    free_port,
    gunicorn_command,
    serving,
)
from tests.videos import multipart_file, padded_video, write_synthetic_video  # noqa: E402

PYTHON = sys.executable
POLL_PAUSE_S = 0.02


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def process_tree(pid: int) -> list[int]:
    """The server process and its children (gunicorn's workers)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [pid, *map(int, children)]


def healthz(base: str) -> int:
    with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
        return response.status


def upload(base: str, token: str, video: bytes, size: int, timeout_s: float):
    content_type, length, body = multipart_file("video", "big.mp4", size, padded_video(video, size))
    port = int(base.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
    connection.request(
        "POST",
        "/api/v1/sessions/",
        body=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type,
                 "Content-Length": str(length)},
    )  # fmt: skip
    response = connection.getresponse()
    return response.status, response.read()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def latency_line(name: str, calls: list[Call]) -> str:
    answered = [call.seconds for call in calls if not isinstance(call.result, Exception)]
    failed = len(calls) - len(answered)
    if not answered:
        return f"{name}: no answers during the upload ({failed} failed)"
    ms = [s * 1000 for s in answered]
    return (
        f"{name} during the upload: {len(answered)} answered, {failed} failed; "
        f"p50 {percentile(ms, 0.5):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
        f"max {max(ms):.0f} ms, mean {statistics.mean(ms):.0f} ms"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="upload size in MiB")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--server", choices=["gunicorn", "daphne"], default="gunicorn")
    parser.add_argument("--timeout", type=float, default=600, help="seconds for the upload")
    args = parser.parse_args()
    size = args.size_mb * 1024 * 1024

    scratch = Path(tempfile.mkdtemp(prefix="coach-bench-upload-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coach.settings.local",
        "DEBUG": "false",  # as production: no query log kept per request
        "DATABASE_URL": own_database_url("coach_bench_upload"),
        "MEDIA_ROOT": str(scratch / "media"),
        "CELERY_FS_DIR": str(scratch / "celery"),
        "AUTH_THROTTLE_RATE": "1000/min",
        "WORKOUTS_MAX_UPLOAD_BYTES": str(max(size, 2 * 1024**3)),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPO),
    }
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True
    )
    video = write_synthetic_video(scratch / "small.mp4").read_bytes()
    http_port = free_port()
    # gunicorn with daphne beside it for the socket; or one daphne for both, as before.
    ws_port = free_port() if args.server == "gunicorn" else http_port
    web_command = (
        gunicorn_command(http_port, args.workers)
        if args.server == "gunicorn"
        else daphne_command(http_port)
    )
    log = scratch / "servers.log"
    load_before = os.getloadavg()
    try:
        with contextlib.ExitStack() as servers:
            web = servers.enter_context(serving(web_command, env=env, port=http_port, log=log))
            if ws_port != http_port:
                live_server = serving(daphne_command(ws_port), env=env, port=ws_port, log=log)
                servers.enter_context(live_server)
            base = web.url
            token = signup(base)
            live = LiveSocketPinger(f"ws://127.0.0.1:{ws_port}/api/v1/live/", token, timeout_s=10)
            live.start()
            if not live.ready.wait(30):
                sys.exit("the live WebSocket did not open")
            for _ in range(2 * args.workers):  # every worker has answered once: warm
                healthz(base)
            before = {pid: rss_mb(pid) for pid in process_tree(web.pid)}
            memory = Poller(
                lambda: {pid: rss_mb(pid) for pid in process_tree(web.pid)}, POLL_PAUSE_S
            )
            polls = Poller(lambda: healthz(base), POLL_PAUSE_S)
            memory.start()
            polls.start()
            time.sleep(0.5)
            started = time.monotonic()
            status, answer = upload(base, token, video, size, args.timeout)
            finished = time.monotonic()
            for poller in (memory, polls, live):
                poller.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    seconds = finished - started
    backend = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    print(
        f"direct upload of {args.size_mb} MiB to {args.server}"
        + (f" ({args.workers} sync workers)" if args.server == "gunicorn" else "")
        + f", {backend} ({os.cpu_count()} CPUs, load before {load_before[0]:.2f}, "
        f"after {os.getloadavg()[0]:.2f})"
    )
    print(f"answer: {status} in {seconds:.1f} s ({args.size_mb / seconds:.0f} MiB/s)")
    if status != 201:
        print(answer[:500].decode(errors="replace"))
    peaks = {pid: rss for pid, rss in before.items()}
    for call in memory.calls:
        for pid, rss in call.result.items():
            peaks[pid] = max(peaks.get(pid, 0.0), rss)
    growth = {pid: peaks[pid] - before.get(pid, 0.0) for pid in peaks}
    print(
        f"web RSS before: {sum(before.values()):.0f} MB in {len(before)} processes; "
        f"peak growth: largest one process +{max(growth.values()):.0f} MB, "
        f"all together +{sum(growth.values()):.0f} MB "
        f"({', '.join(f'{pid}: {before.get(pid, 0):.0f} -> {peaks[pid]:.0f}' for pid in peaks)})"
    )
    print(latency_line("/healthz", polls.between(started, finished)))
    print(latency_line("live WebSocket ping (daphne)", live.between(started, finished)))


if __name__ == "__main__":
    main()
