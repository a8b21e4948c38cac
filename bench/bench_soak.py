"""Soak: mixed load on the production layout for --minutes (30 by default), with one broker
restart, one database connection purge and one worker kill in the middle.

The stack, as docker/compose.yml runs it, on loopback ports: gunicorn (HTTP,
coach/gunicorn_conf.py), daphne (the live WebSocket), a Celery worker with beat on the
`celery` and `analysis` queues and one on `live`, on production settings, a Redis server of
the bench's own (no persistence, so a restart loses what was queued, as the issue's fault
did) and a PostgreSQL database of its own beside DATABASE_URL's. Clients talk to gunicorn
and daphne directly (nginx is left out: it buffers and routes, it keeps no state).

The load, for the whole run:
- 4 users upload short real dataset clips one after another, direct multipart (with an
  Idempotency-Key, so a retry answers the same session) and resumable tus in turns, and
  follow each session until its analysis ends;
- 2 users stream live: one JPEG camera frames of a real clip, one landmarks (pose computed
  on the device), in sessions of --live-session-s, resuming after a dropped socket;
- 20 readers revalidate and read the API (sessions list, a session, timeline, records,
  streaks, a 304, /healthz) as the six users, about one request a second each.

The faults, once each: at 35 % the Redis server is killed and started again empty (the
broker, the cache and the result backend with it); at 50 % every connection to the bench's
database is ended (pg_terminate_backend); at 65 % the analysis worker is SIGKILLed with its
pool while it analyses, and a new one is started, as a supervisor would.

Then the load stops and the bench waits (up to --drain-s) for every session to end, and
checks each session a client was given: it must exist, be analysed (a real clip that fails
is a result lost), keep every byte uploaded and every live grid frame the server accepted;
and no session may exist that no client was given (a duplicate or a half-made row).
Prints requests served, p95 per endpoint, errors by kind, sessions stuck and data lost, the
machine's load; exits 1 when anything is stuck or lost.

The reconciler's deadlines are shortened (WORKOUTS_REQUEUE_PENDING_AFTER_S=60,
..._PROCESSING_AFTER_S=120, printed) so a lost analysis is sent again within the run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_soak.py \\
        --minutes 3
"""

import argparse
import asyncio
import base64
import collections
import contextlib
import json
import os
import random
import secrets
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import requests
import websockets

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_live import DATASET, clip_frames  # noqa: E402  (bench/, beside this file)
from web_stack import own_database_url  # noqa: E402

from tests.servers import daphne_command, free_port, gunicorn_command  # noqa: E402
from tests.workers import stop_process  # noqa: E402

UPLOAD_CLIPS = [  # short clips of different exercises, both orientations
    "jrplatin__squat",
    "techbusa__videos-plank",
    "muthu2003__videos-pushup",
    "rj-song__videos-jumpingjacks",
    "suyogkhanal5__curl",
    "techbusa__videos-lunges",
    "ulisses-coach__plankhold",
]
LIVE_CLIP = "joe-lo0716__squat1"
UPLOADERS, STREAMERS, READERS = 4, 2, 20
TUS_CHUNK = 128 * 1024
GRID_S = 0.1  # the engine's analysis grid (10 frames/s)
FINAL = {"done", "failed"}
UNFINISHED = ("pending", "processing", "live")
REQUEUE_PENDING_S, REQUEUE_PROCESSING_S = 60, 120


class Tally:
    """What the clients saw: latencies per endpoint, errors by kind, sessions given."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = collections.defaultdict(list)
        self.errors: collections.Counter = collections.Counter()
        self.sessions: dict[int, dict] = {}  # id -> what the client expects of it

    def served(self, endpoint: str, seconds: float) -> None:
        with self.lock:
            self.latencies[endpoint].append(seconds)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1

    def expect(self, session_id: int, **expected) -> None:
        with self.lock:
            self.sessions.setdefault(session_id, {}).update(expected)


def error_kind(endpoint: str, response: requests.Response) -> str:
    try:
        code = response.json()["errors"][0]["code"]
    except (ValueError, KeyError, IndexError, TypeError):
        code = ""
    return f"{endpoint}: {response.status_code} {code}".rstrip()


class Client:
    """One user's HTTP client; every request is timed and tallied under `endpoint`."""

    def __init__(self, base: str, token: str, tally: Tally):
        self.base, self.tally = base, tally
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.token = token

    def call(self, endpoint: str, method: str, path: str, ok=(200,), **kwargs):
        """The response when its status is in `ok`, else None (the error tallied)."""
        started = time.monotonic()
        try:
            response = self.http.request(method, self.base + path, timeout=60, **kwargs)
        except requests.RequestException as error:
            self.tally.error(f"{endpoint}: {type(error).__name__}")
            return None
        if response.status_code in ok:
            self.tally.served(endpoint, time.monotonic() - started)
            return response
        self.tally.error(error_kind(endpoint, response))
        return None


# --- Uploading users ------------------------------------------------------------------


def upload_direct(client: Client, name: str, data: bytes, until: float) -> int | None:
    key = uuid.uuid4().hex  # the same key on every retry: one session, however many tries
    while time.monotonic() < until:
        response = client.call(
            "upload direct", "POST", "/api/v1/sessions/", ok=(200, 201),
            files={"video": (name, data, "video/mp4")}, data={"title": "soak"},
            headers={"Idempotency-Key": key},
        )  # fmt: skip
        if response is not None:
            return response.json()["id"]
        time.sleep(2)
    return None


def upload_tus(client: Client, name: str, data: bytes, until: float) -> int | None:
    tus = {"Tus-Resumable": "1.0.0"}
    meta = "filename " + base64.b64encode(name.encode()).decode()
    location = None
    while location is None:
        if time.monotonic() > until:
            return None
        created = client.call(
            "tus create", "POST", "/api/v1/uploads/", ok=(201,),
            headers={**tus, "Upload-Length": str(len(data)), "Upload-Metadata": meta},
        )  # fmt: skip
        if created is None:
            time.sleep(2)
            continue
        location = urlsplit(created.headers["Location"]).path
    offset = 0
    while offset < len(data):
        if time.monotonic() > until:
            return None
        sent = client.call(
            "tus patch", "PATCH", location, ok=(204,),
            data=data[offset : offset + TUS_CHUNK],
            headers={**tus, "Upload-Offset": str(offset),
                     "Content-Type": "application/offset+octet-stream"},
        )  # fmt: skip
        if sent is not None:
            offset = int(sent.headers["Upload-Offset"])
            continue
        time.sleep(2)  # then ask where the server stands, as a tus client resumes
        head = client.call("tus head", "HEAD", location, ok=(200,), headers=tus)
        if head is not None:
            offset = int(head.headers["Upload-Offset"])
    while time.monotonic() < until:
        done = client.call("tus complete", "POST", location + "complete/", ok=(200, 201),
                           headers=tus)  # fmt: skip
        if done is not None:
            return done.json()["id"]
        time.sleep(2)
    return None


def follow(client: Client, session_id: int, stop: threading.Event) -> None:
    """Until the session's analysis ends (or the load does), as an app would poll it."""
    while not stop.is_set():
        response = client.call("session detail", "GET", f"/api/v1/sessions/{session_id}/")
        if response is not None and response.json()["status"] in FINAL:
            return
        time.sleep(2)


def uploader(client: Client, clips: list[tuple[str, bytes]], stop: threading.Event, n: int):
    turn = 0
    while not stop.is_set():
        name, data = clips[(n + turn) % len(clips)]
        way = "tus" if (n + turn) % 2 else "direct"
        until = time.monotonic() + 600
        send = upload_tus if way == "tus" else upload_direct
        session_id = send(client, name, data, until)
        if session_id is not None:
            client.tally.expect(session_id, kind=f"upload {way}", video_bytes=len(data))
            follow(client, session_id, stop)
        turn += 1


# --- Readers --------------------------------------------------------------------------


def reader(client: Client, stop: threading.Event, seed: int):
    rng = random.Random(seed)
    etag, ids = "", []
    while not stop.is_set():
        pick = rng.random()
        if pick < 0.3:
            response = client.call("sessions list", "GET", "/api/v1/sessions/")
            if response is not None:
                etag = response.headers.get("ETag", "")
                ids = [s["id"] for s in response.json()["results"]]
        elif pick < 0.45 and etag:
            client.call("304 revalidation", "GET", "/api/v1/sessions/", ok=(200, 304),
                        headers={"If-None-Match": etag})  # fmt: skip
        elif pick < 0.6 and ids:
            client.call("session detail", "GET", f"/api/v1/sessions/{rng.choice(ids)}/")
        elif pick < 0.7:
            client.call("timeline", "GET", "/api/v1/stats/timeline/?period=week")
        elif pick < 0.8:
            client.call("records", "GET", "/api/v1/stats/records/")
        elif pick < 0.9:
            client.call("streaks", "GET", "/api/v1/stats/streaks/")
        else:
            client.call("healthz", "GET", "/healthz")
        stop.wait(rng.uniform(0.5, 1.5))


# --- Live streamers -------------------------------------------------------------------


def landmark_pose(t: float) -> dict:
    """A standing person squatting every 3 s, in BlazePose's 33 points (device-side pose)."""
    depth = 0.12 * (1 - np.cos(2 * np.pi * t / 3.0)) / 2
    image = [[0.5 + 0.01 * (i % 5 - 2), 0.15 + 0.022 * i + (depth if i >= 11 else 0), 0.0]
             for i in range(33)]  # fmt: skip
    world = [[x - 0.5, y - 0.5, 0.0] for x, y, _ in image]
    return {"image": image, "world": world, "visibility": [0.95] * 33}


class LiveStream:
    """One live session over as many sockets as it takes: what was sent, what was refused."""

    def __init__(self, url: str, client: Client, kind: str, frames, seconds: float):
        self.url, self.client, self.kind = url, client, kind
        self.frames, self.seconds = frames, seconds
        self.session_id: int | None = None
        self.t = 0.0  # the newest frame's time sent
        self.slots: set[int] = set()  # grid frames sent
        self.refused = 0  # frames answered with an error (not stored, by the protocol)

    def message(self, t: float):
        if self.kind == "frames":
            jpeg = self.frames[int(round(t / GRID_S)) % len(self.frames)][1]
            return struct.pack(">d", t) + jpeg
        return json.dumps({"type": "landmarks", "t": t, "pose": landmark_pose(t),
                           "size": [640, 360]})  # fmt: skip

    async def run(self, stop: threading.Event) -> None:
        started = time.monotonic()
        while True:
            try:
                await self._one_socket(started, stop)
                return
            except (TimeoutError, OSError, websockets.ConnectionClosed) as error:
                self.client.tally.error(f"live socket: {type(error).__name__}")
                await asyncio.sleep(1)

    async def _one_socket(self, started: float, stop: threading.Event) -> None:
        tally = self.client.tally
        async with websockets.connect(self.url, max_size=None, open_timeout=30) as ws:
            await ws.send(json.dumps({"type": "auth", "token": self.client.token}))
            await self._expect(ws, "ready")
            if self.session_id is None:
                await ws.send(json.dumps({"type": "start", "title": f"soak {self.kind}"}))
                self.session_id = (await self._expect(ws, "started"))["session"]["id"]
                tally.expect(self.session_id, kind=f"live {self.kind}", slots=self.slots,
                             stream=self)  # fmt: skip
            else:
                await ws.send(json.dumps({"type": "resume", "session": self.session_id}))
                # As the protocol asks: send again from just after the newest frame stored.
                self.t = (await self._expect(ws, "resumed"))["received_s"]
            stopped = asyncio.get_running_loop().create_future()

            async def listen():
                async for raw in ws:
                    message = json.loads(raw)
                    if message["type"] == "error":
                        tally.error(f"live {message['code']}")
                        if message["code"] not in ("overloaded",):
                            self.refused += 1
                    elif message["type"] == "stopped" and not stopped.done():
                        stopped.set_result(message)

            listening = asyncio.create_task(listen())
            try:
                while self.t < self.seconds and not stop.is_set():
                    t = round(self.t + GRID_S, 3)
                    delay = started + t - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    await ws.send(self.message(t))
                    self.t = t
                    self.slots.add(int(round(t / GRID_S)))
                    if listening.done():
                        listening.result()  # the socket closed: raise why
                asked = time.monotonic()
                await ws.send(json.dumps({"type": "stop"}))
                await asyncio.wait_for(asyncio.shield(stopped), 180)
                tally.served(f"live stop ({self.kind})", time.monotonic() - asked)
            finally:
                listening.cancel()

    async def _expect(self, ws, kind: str) -> dict:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if message["type"] == kind:
                return message
            if message["type"] == "error":
                self.client.tally.error(f"live {message['code']}")
                raise websockets.ConnectionClosedError(None, None)


def streamer(url: str, client: Client, kind: str, frames, seconds: float, stop: threading.Event):
    while not stop.is_set():
        stream = LiveStream(url, client, kind, frames, seconds)
        asyncio.run(stream.run(stop))
        if stream.session_id is not None:
            follow(client, stream.session_id, stop)


# --- The stack and the faults ---------------------------------------------------------


def start_redis(port: int, folder: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            import redis

            redis.Redis(port=port).ping()
            return process
        except Exception:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def worker_command(queues: str, name: str, concurrency: int, beat: Path | None) -> list[str]:
    command = [sys.executable, "-m", "celery", "-A", "coach", "worker", "-Q", queues,
               "--loglevel=WARNING", f"--concurrency={concurrency}", "--hostname",
               f"{name}-{time.monotonic_ns()}@%h"]  # fmt: skip
    return command + (["--beat", f"--schedule={beat}"] if beat else [])


class Stack:
    def __init__(self, env: dict, folder: Path, redis_port: int):
        self.env, self.folder, self.redis_port = env, folder, redis_port
        self.processes: dict[str, subprocess.Popen] = {}
        self.log = open(folder / "stack.log", "ab")

    def start(self, name: str, command: list[str], extra_env: dict | None = None):
        self.processes[name] = subprocess.Popen(
            command, cwd=REPO, env={**self.env, **(extra_env or {})},
            stdout=self.log, stderr=self.log,
        )  # fmt: skip

    def start_analysis_worker(self):
        self.start("worker", worker_command("celery,analysis", "soak-analysis", 1,
                                            self.folder / "beat-schedule"))  # fmt: skip

    def stop_all(self):
        for process in reversed(self.processes.values()):  # Redis last
            stop_process(process, grace_s=20)


def restart_broker(stack: Stack) -> str:
    import redis

    queued = sum(redis.Redis(port=stack.redis_port).llen(q) for q in ("analysis", "live"))
    broker = stack.processes["redis"]
    broker.kill()  # no persistence: the queues, results and cache go with it
    broker.wait()
    time.sleep(2)
    stack.processes["redis"] = start_redis(stack.redis_port, stack.folder)
    return f"Redis killed with {queued} tasks queued, started again empty"


def purge_connections(admin_url: str, database: str) -> str:
    import psycopg2

    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        ended = cursor.fetchone()[0]
    admin.close()
    return f"{ended} database connections ended"


def kill_worker(stack: Stack, database_url: str) -> str:
    """SIGKILL to the analysis worker and its pool, once it analyses (within 90 s), and a
    new worker in its place."""
    busy = False
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not busy:
        busy = bool(
            query(
                database_url,
                "SELECT 1 FROM workouts_workoutsession "
                "WHERE status = 'processing' AND source <> 'live'",
            )
        )
        time.sleep(0.2)
    worker = stack.processes["worker"]
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    for pid in [worker.pid, *map(int, children)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    worker.wait()
    stack.start_analysis_worker()
    return f"analysis worker SIGKILLed {'mid-analysis' if busy else 'idle'}, a new one started"


def query(database_url: str, sql: str, params=()) -> list[tuple]:
    import psycopg2

    connection = psycopg2.connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


# --- Checking and printing ------------------------------------------------------------


def drain(database_url: str, since: float, limit_s: float) -> float:
    """Seconds from `since` until no session is unfinished (or `limit_s` passed)."""
    while time.monotonic() - since < limit_s:
        left = query(database_url, "SELECT count(*) FROM workouts_workoutsession "
                                   "WHERE status IN %s", (UNFINISHED,))[0][0]  # fmt: skip
        if left == 0:
            break
        time.sleep(2)
    return time.monotonic() - since


COLUMNS = ("id", "status", "error_code", "video", "video_size_bytes", "source",
           "analysis_attempts", "(result->>'frames_analysed')::int AS frames_analysed")  # fmt: skip


def check(database_url: str, media: Path, tally: Tally) -> tuple[list[str], list[str], int]:
    """(stuck, lost): one line per session; and how many were analysed more than once."""
    found = query(database_url, f"SELECT {', '.join(COLUMNS)} FROM workouts_workoutsession")
    names = [column.split(" AS ")[-1] for column in COLUMNS]
    rows = {row[0]: dict(zip(names, row, strict=True)) for row in found}
    stuck = [f"session {i}: {row['status']} ({row['source']})" for i, row in rows.items()
             if row["status"] in UNFINISHED]  # fmt: skip
    lost = []
    for session_id, expected in tally.sessions.items():
        problem = what_was_lost(rows.get(session_id), expected, media)
        if problem:
            lost.append(f"session {session_id} ({expected['kind']}): {problem}")
    extra = sorted(set(rows) - set(tally.sessions))
    lost += [f"session {i} ({rows[i]['source']}, {rows[i]['status']}): no client was given it"
             for i in extra]  # fmt: skip
    return stuck, lost, sum(1 for row in rows.values() if row["analysis_attempts"] > 1)


def what_was_lost(row: dict | None, expected: dict, media: Path) -> str:
    """What of one session a client was given is missing at the end ("" if nothing)."""
    if row is None:
        return "gone"
    if row["status"] == "failed":  # every clip is a real, analysable one
        return f"analysis failed, {row['error_code']}"
    stored = media / row["video"] if row["video"] else None
    if "video_bytes" in expected:
        size = stored.stat().st_size if stored and stored.exists() else None
        if size != expected["video_bytes"] or row["video_size_bytes"] != size:
            return f"video {size} bytes on disk of {expected['video_bytes']} uploaded"
    if "slots" in expected and row["status"] == "done":
        accepted = len(expected["slots"]) - expected["stream"].refused
        if (row["frames_analysed"] or 0) < accepted:
            return f"{row['frames_analysed']} grid frames analysed of {accepted} accepted"
        if expected["kind"] == "live frames" and not (stored and stored.exists()):
            return "no video kept of the frames"
    return ""


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000


def report(tally: Tally, events: list[str], checked, loads, minutes, drained_s) -> None:
    stuck, lost, retried = checked
    served = sum(len(v) for v in tally.latencies.values())
    print(f"\nsoak: {minutes:g} min of load, {os.cpu_count()} cores; load average "
          f"before {loads[0]}, after {loads[1]}")  # fmt: skip
    for event in events:
        print(f"  fault: {event}")
    print(f"\nrequests served: {served}  (errors: {sum(tally.errors.values())})")
    print(f"{'endpoint':28} {'served':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for endpoint in sorted(tally.latencies):
        values = tally.latencies[endpoint]
        median = sorted(values)[len(values) // 2] * 1000
        print(f"{endpoint:28} {len(values):7d} {median:8.0f} {p95(values):8.0f}")
    print("\nerrors by kind:" + ("" if tally.errors else " none"))
    for kind, count in tally.errors.most_common():
        print(f"  {count:6d}  {kind}")
    kinds = collections.Counter(e["kind"] for e in tally.sessions.values())
    print(f"\nsessions given to clients: {len(tally.sessions)} "
          f"({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}); "
          f"the last ended {drained_s:.0f} s after the load stopped; "
          f"{retried} analysed more than once (an attempt lost with a worker)")  # fmt: skip
    print(f"sessions stuck: {len(stuck)}")
    for line in stuck:
        print(f"  {line}")
    print(f"data lost: {len(lost)}")
    for line in lost:
        print(f"  {line}")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--live-session-s", type=float, default=60,
                        help="length of each live session")  # fmt: skip
    parser.add_argument("--drain-s", type=float, default=REQUEUE_PROCESSING_S + 240,
                        help="how long the sessions may take to end after the load")  # fmt: skip
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (the bench makes its own database).")
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is not installed (the bench starts its own)")
    admin_url = urlunsplit(urlsplit(url)._replace(scheme="postgresql"))
    database = f"{urlsplit(url).path.lstrip('/') or 'coach'}_soak"
    bench_url = own_database_url(database)
    bench_dsn = bench_url.replace("postgres://", "postgresql://")
    folder = Path(tempfile.mkdtemp(prefix="coach-bench-soak-"))
    redis_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "COACH_"))},
        "DJANGO_SETTINGS_MODULE": "coach.settings.production",
        "DATABASE_URL": bench_url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": str(folder / "media"),
        "JWT_ACCESS_MINUTES": str(int(args.minutes) + 60),  # outlives the run
        "AUTH_THROTTLE_RATE": "1000/min",
        "WORKOUTS_REQUEUE_PENDING_AFTER_S": str(REQUEUE_PENDING_S),
        "WORKOUTS_REQUEUE_PROCESSING_AFTER_S": str(REQUEUE_PROCESSING_S),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPO),
    }
    stack = Stack(env, folder, redis_port)
    tally, stop, events = Tally(), threading.Event(), []
    threads: list[threading.Thread] = []
    exit_code = 1
    try:
        stack.processes["redis"] = start_redis(redis_port, folder)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
                       cwd=REPO, env=env, check=True)  # fmt: skip
        web_port, live_port = free_port(), free_port()
        stack.start("gunicorn", gunicorn_command(web_port, 2 * (os.cpu_count() or 1) + 1),
                    {"CONN_MAX_AGE": "60"})  # fmt: skip
        stack.start("daphne", daphne_command(live_port))
        stack.start_analysis_worker()
        stack.start("live-worker", worker_command("live", "soak-live", 2, None))
        base = f"http://127.0.0.1:{web_port}"
        wait_for(base + "/healthz", stack)
        wait_for(f"http://127.0.0.1:{live_port}/healthz", stack)

        clips = load_clips()
        live_frames = clip_frames(LIVE_CLIP, 1 / GRID_S, 30)
        users = [Client(base, signup_token(base), tally) for _ in range(UPLOADERS + STREAMERS)]
        live_url = f"ws://127.0.0.1:{live_port}/api/v1/live/"
        for n in range(UPLOADERS):
            threads.append(threading.Thread(target=uploader, args=(users[n], clips, stop, n)))
        for n, kind in enumerate(["frames", "landmarks"][:STREAMERS]):
            client = users[UPLOADERS + n]
            threads.append(threading.Thread(
                target=streamer,
                args=(live_url, client, kind, live_frames, args.live_session_s, stop),
            ))  # fmt: skip
        for n in range(READERS):
            reading_as = users[n % len(users)]
            threads.append(threading.Thread(
                target=reader, args=(Client(base, reading_as.token, tally), stop, n)
            ))  # fmt: skip

        loads = [load_average()]
        print(f"stack up; {len(threads)} clients for {args.minutes:g} min; load {loads[0]}",
              flush=True)  # fmt: skip
        for thread in threads:
            thread.daemon = True  # one stuck on a dead server does not keep the bench alive
            thread.start()
        started, length = time.monotonic(), args.minutes * 60
        faults = [
            (0.35, lambda: restart_broker(stack)),
            (0.50, lambda: purge_connections(admin_url, database)),
            (0.65, lambda: kill_worker(stack, bench_dsn)),
        ]
        for at, fault in faults:
            time.sleep(max(0.0, started + at * length - time.monotonic()))
            event = f"{(time.monotonic() - started) / 60:5.1f} min: {fault()}"
            print(f"  {event}", flush=True)
            events.append(event)
        time.sleep(max(0.0, started + length - time.monotonic()))
        stop.set()
        stopped = time.monotonic()
        loads.append(load_average())
        print("load stopped; waiting for the sessions to end", flush=True)
        for thread in threads:  # an upload or a live stop under way is finished
            thread.join(timeout=max(1.0, stopped + 240 - time.monotonic()))
        drained_s = drain(bench_dsn, stopped, args.drain_s)
        checked = check(bench_dsn, folder / "media", tally)
        report(tally, events, checked, loads, args.minutes, drained_s)
        exit_code = 1 if checked[0] or checked[1] else 0
    finally:
        stop.set()
        stack.stop_all()
        print(f"logs: {folder / 'stack.log'}")
        import psycopg2

        with contextlib.suppress(psycopg2.Error):
            purge_connections(admin_url, database)
            admin = psycopg2.connect(admin_url)
            admin.autocommit = True
            admin.cursor().execute(f'DROP DATABASE IF EXISTS "{database}"')
            admin.close()
    sys.exit(exit_code)


def wait_for(url: str, stack: Stack, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, process in stack.processes.items():
            if process.poll() is not None:
                sys.exit(f"{name} exited; see {stack.folder / 'stack.log'}")
        with contextlib.suppress(requests.RequestException):
            requests.get(url, timeout=2)
            return
        time.sleep(0.3)
    sys.exit(f"{url} did not answer within {timeout} s")


def load_clips() -> list[tuple[str, bytes]]:
    manifest = {c["id"]: c for c in json.loads((DATASET / "manifest.json").read_text())}
    return [(f"{clip}.mp4", (DATASET / manifest[clip]["video"]).read_bytes())
            for clip in UPLOAD_CLIPS]  # fmt: skip


def signup_token(base: str) -> str:
    answer = requests.post(
        f"{base}/api/v1/auth/signup/",
        json={"email": f"soak-{uuid.uuid4().hex[:10]}@example.com", "password": uuid.uuid4().hex},
        timeout=60,
    )
    answer.raise_for_status()
    return answer.json()["tokens"]["access"]


if __name__ == "__main__":
    main()
