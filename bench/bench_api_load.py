"""API throughput under load: the five-year user on a production-style HTTP server.

Seeds a database of its own (`<DATABASE_URL's name>_api_load`, dropped at the end) with a
user who worked out every day for five years (1,826 analysed sessions of 3 bouts, with
repetition times and the engine's result as an analysis stores them) and a second user of
the same size, starts gunicorn as production does (coach/gunicorn_conf.py: sync workers,
2 x cores + 1) on production settings, and drives it with wrk at 1, 8 and 32 connections:
the sessions list, one session, the weekly timeline of a year, records, streaks, a 304
revalidation of the sessions list and /healthz. JWT auth and `Accept-Encoding: gzip`, as the
mobile apps send them. Prints requests/s and p50/p95/p99 per endpoint, the CPU time the
gunicorn processes spent per request (which other load on a shared machine barely moves,
unlike the rates) and the machine's load average before and after. Traffic goes to
127.0.0.1 only; every run is bounded by --seconds.

Needs PostgreSQL and Redis (production settings refuse anything else) and Debian's wrk
(`apt-get install -y wrk`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/bench_api_load.py --seconds 8
"""

import argparse
import gzip
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from web_stack import own_database_url  # noqa: E402  (bench/, beside this file)

YEARS = 5
EXERCISES = ["squat", "push_up", "plank", "lunge", "bicep_curl", "jumping_jack"]
CONNECTIONS = (1, 8, 32)
TIMELINE_YEAR = "period=week&start=2025-01-01&end=2025-12-31&tz=Europe/Berlin"
# Issue 24's goals on a 2-core machine, checked at 8 connections: (requests/s, p95 ms).
GOALS = {
    "sessions list": (300, 50),
    "timeline week, 1 year": (300, 50),
    "304 revalidation": (1000, None),
    "healthz": (1000, None),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drop_database(url: str, bench_url: str) -> None:
    import psycopg2

    admin = psycopg2.connect(urlunsplit(urlsplit(url)._replace(scheme="postgresql")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{urlsplit(bench_url).path.lstrip("/")}"')
    admin.close()


def engine_result(bouts: list[dict], duration_s: float) -> dict:
    """What an analysis stores on the session (inference.AnalysisResult.to_dict())."""
    reps: dict[str, int] = {}
    for bout in bouts:
        if bout["reps"]:
            reps[bout["exercise"]] = reps.get(bout["exercise"], 0) + bout["reps"]
    return {
        "duration_s": duration_s,
        "frames_analysed": int(duration_s * 10),
        "analysis_fps": 10.0,
        "person_visible_fraction": 0.97,
        "bouts": bouts,
        "totals": {
            "kcal": sum(b["kcal"] for b in bouts),
            "active_s": sum(b["end_s"] - b["start_s"] for b in bouts),
            "reps_by_exercise": reps,
        },
        "model": {"name": "coach-heads", "version": "bench"},
        "body_metrics": {
            "weight_kg": 72.5,
            "height_cm": 178.0,
            "age": 34.0,
            "sex": "female",
            "defaulted": [],
        },
    }


def seed():
    """Two users with a session every day for five years; returns the first."""
    from users.models import User
    from workouts.models import Bout, WorkoutSession

    start = datetime(2021, 1, 1, 7, 0, tzinfo=UTC)
    days = int(365.25 * YEARS)
    user = None
    for n in range(2):  # a second user, so scoping by user is measured too
        owner = User.objects.create_user(email=f"load{n}@example.com", password="x" * 20)
        user = user or owner
        plans = []
        for d in range(days):
            bouts = []
            for p in range(3):
                exercise = EXERCISES[(d + p) % len(EXERCISES)]
                hold = exercise == "plank"
                first = p * 500.0
                bouts.append(
                    {
                        "exercise": exercise,
                        "start_s": first,
                        "end_s": first + 400.0,
                        "reps": 0 if hold else 20,
                        "rep_times_s": []
                        if hold
                        else [[first + 2.5 * r, first + 2.5 * r + 2.1] for r in range(20)],
                        "hold_s": 60.0 if hold else None,
                        "met": 5.0,
                        "kcal": 60.0 + d % 7,
                        "confidence": 0.91,
                        "count_confidence": None if hold else 0.83,
                    }
                )
            plans.append((d, bouts, engine_result(bouts, 1800.0)))
        sessions = WorkoutSession.objects.bulk_create(
            WorkoutSession(
                user=owner,
                title=f"Day {d + 1}",
                started_at=start + timedelta(days=d, hours=d % 12),
                status="done",
                progress=1,
                duration_s=result["duration_s"],
                active_s=result["totals"]["active_s"],
                total_kcal=result["totals"]["kcal"],
                total_reps=sum(result["totals"]["reps_by_exercise"].values()),
                result=result,
                body_metrics={"weight_kg": 72.5, "height_cm": 178.0, "age": 34.0},
                model_version="coach-heads@bench",
                analysed_at=start + timedelta(days=d, hours=d % 12, minutes=40),
            )
            for d, bouts, result in plans
        )
        Bout.objects.bulk_create(
            Bout(
                session=session,
                user=owner,
                session_started_at=session.started_at,
                position=p,
                **bout,
            )
            for session, (_, bouts, _) in zip(sessions, plans, strict=True)
            for p, bout in enumerate(bouts)
        )
    return user


def prepare_database(env: dict) -> dict:
    """Migrates and seeds the bench database; returns the auth header and a session id."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from rest_framework_simplejwt.tokens import RefreshToken

    from workouts.models import WorkoutSession

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    user = seed()
    with connection.cursor() as cursor:
        # A live database has planner statistics (autovacuum); a freshly loaded one has none.
        cursor.execute("ANALYZE")
    session = WorkoutSession.objects.filter(user=user).order_by("-started_at").first()
    print(
        f"seeded {WorkoutSession.objects.count()} sessions (2 users) "
        f"in {time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    access = RefreshToken.for_user(user).access_token
    connection.close()
    return {"Authorization": f"Bearer {access}", "session_id": session.id}


def start_server(env: dict, port: int, workers: int, log_path: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(log_path, "wb")
    return subprocess.Popen(
        [
            str(gunicorn),
            "--config=python:coach.gunicorn_conf",  # as production runs it (sync workers)
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--log-level=warning",
            "coach.wsgi:application",
        ],
        cwd=REPO,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def server_cpu_s(server: subprocess.Popen) -> float:
    """CPU seconds the gunicorn processes have used so far (Linux /proc): per request, the
    one figure the other load on a shared machine barely moves."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that just ended
        pid, ppid = int(stat.parent.name), int(fields[1])
        if server.pid in (pid, ppid):
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


def fetch(url: str, headers: dict) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_until_up(base: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited:\n{log_path.read_text()}")
        try:
            if fetch(f"{base}/healthz", {})[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit(f"gunicorn did not answer /healthz within 60 s:\n{log_path.read_text()}")


WRK_SCRIPT = """\
{headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def wrk_script(folder: Path, name: str, headers: dict) -> Path:
    lines = [f"wrk.headers[{_lua(k)}] = {_lua(v)}" for k, v in headers.items()]
    path = folder / f"{re.sub(r'[^a-z0-9]+', '-', name)}.lua"
    path.write_text(WRK_SCRIPT.format(headers="\n".join(lines)))
    return path


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_wrk(url: str, script: Path, connections: int, seconds: int) -> dict:
    threads = min(2, connections)
    output = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout=10s",
            f"-s{script}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    match = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", output, re.M)
    if match is None:
        sys.exit(f"wrk gave no result:\n{output}")
    requests, duration_us, bad_status, socket_errors, p50, p95, p99 = map(int, match.groups())
    return {
        "requests": requests,
        "rps": requests / (duration_us / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "errors": bad_status + socket_errors,
    }


def endpoints(auth: dict, session_id: int, etag: str) -> list[tuple[str, str, dict]]:
    gzip_auth = {**auth, "Accept-Encoding": "gzip"}
    return [
        ("sessions list", "/api/v1/sessions/", gzip_auth),
        ("session detail", f"/api/v1/sessions/{session_id}/", gzip_auth),
        ("timeline week, 1 year", f"/api/v1/stats/timeline/?{TIMELINE_YEAR}", gzip_auth),
        ("records", "/api/v1/stats/records/", gzip_auth),
        ("streaks", "/api/v1/stats/streaks/?tz=Europe/Berlin", gzip_auth),
        ("304 revalidation", "/api/v1/sessions/", {**gzip_auth, "If-None-Match": etag}),
        ("healthz", "/healthz", {"Accept-Encoding": "gzip"}),
    ]


def check_answers(base: str, cases: list[tuple[str, str, dict]]) -> None:
    """Each endpoint answers as the bench expects before any load is measured."""
    for name, path, headers in cases:
        status, response_headers, body = fetch(base + path, headers)
        expected = 304 if "If-None-Match" in headers else 200
        if status != expected:
            if response_headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            sys.exit(f"{name}: {path} answered {status}, not {expected}: {body[:500]!r}")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def print_goals(results: dict) -> None:
    print("\ngoals at 8 connections (2-core machine):")
    for name, (min_rps, max_p95) in GOALS.items():
        row = results.get((name, 8))
        if row is None:
            continue
        met = row["rps"] >= min_rps and (max_p95 is None or row["p95"] <= max_p95)
        wanted = f">= {min_rps} req/s" + (f", p95 <= {max_p95} ms" if max_p95 else "")
        print(
            f"  {name:24} {row['rps']:8.0f} req/s, p95 {row['p95']:6.1f} ms   "
            f"({wanted}): {'met' if met else 'NOT met'}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--connections", default=",".join(map(str, CONNECTIONS)), help="comma-separated"
    )
    parser.add_argument("--only", default="", help="run the endpoints whose name has this")
    args = parser.parse_args()
    url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not url.startswith("postgres") or not redis_url:
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: production settings need both.")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")

    bench_url = own_database_url(f"{urlsplit(url).path.lstrip('/') or 'coach'}_api_load")
    env = {
        "DJANGO_SETTINGS_MODULE": "coach.settings.production",
        "DATABASE_URL": bench_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "JWT_ACCESS_MINUTES": "240",  # outlives the bench
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
        "LOG_LEVEL": "WARNING",
        # The Redis may be shared; cached users and stamps of an earlier run's database must
        # not meet this one's (the same ids).
        "CACHE_KEY_PREFIX": f"bench-api-load-{secrets.token_hex(4)}",
    }
    folder = Path(tempfile.mkdtemp(prefix="coach-bench-api-"))
    server = None
    try:
        seeded = prepare_database(env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = folder / "gunicorn.log"
        server = start_server(env, port, args.workers, log_path)
        wait_until_up(base, server, log_path)
        auth = {"Authorization": seeded["Authorization"]}
        status, headers, _ = fetch(f"{base}/api/v1/sessions/", {**auth, "Accept-Encoding": "gzip"})
        cases = endpoints(auth, seeded["session_id"], headers.get("ETag", ""))
        cases = [case for case in cases if args.only in case[0]]
        check_answers(base, cases)

        connections = [int(c) for c in args.connections.split(",")]
        print(
            f"gunicorn, {args.workers} sync workers, CONN_MAX_AGE={env['CONN_MAX_AGE']}, "
            f"{os.cpu_count()} cores; wrk {args.seconds} s per run\n"
            f"load average before: {load_average()}\n"
        )
        print(
            f"{'endpoint':24} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'p99 ms':>8} {'errors':>6}"
        )
        results = {}
        for name, path, headers in cases:
            script = wrk_script(folder, name, headers)
            run_wrk(base + path, script, max(connections), min(2, args.seconds))  # warm-up
            for n in connections:
                cpu_before = server_cpu_s(server)
                row = run_wrk(base + path, script, n, args.seconds)
                cpu_ms = (server_cpu_s(server) - cpu_before) * 1000 / max(1, row["requests"])
                results[(name, n)] = row
                print(
                    f"{name:24} {n:5d} {row['rps']:8.1f} {row['p50']:8.1f} {row['p95']:8.1f} "
                    f"{row['p99']:8.1f} {row['errors']:6d} {cpu_ms:10.2f}",
                    flush=True,
                )
        print(f"\nload average after: {load_average()}")
        print_goals(results)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        drop_database(url, bench_url)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
