"""Start a real Celery worker process for integration tests."""

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def stop_process(process: subprocess.Popen, grace_s: float = 20) -> None:
    """TERM, then KILL if it has not exited after `grace_s`."""
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_worker(*, queues: str = "celery", concurrency: int = 1, extra_env: dict | None = None):
    """A `celery worker` subprocess with the test settings; stopped (TERM, then KILL) on exit.

    It inherits the test process's environment, so it talks to the same broker, result
    backend, database and media folder.
    """
    from django.db import connection

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coach.settings.test",
        "COACH_WORKER_DB_NAME": str(connection.settings_dict["NAME"]),
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "coach",
        "worker",
        "--loglevel=INFO",
        f"--concurrency={concurrency}",
        "--pool=prefork",
        "-Q",
        queues,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--hostname",
        f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
    ]
    log = (
        open(REPO_ROOT / ".pytest_cache" / "worker.log", "ab")
        if (REPO_ROOT / ".pytest_cache").is_dir()
        else subprocess.DEVNULL
    )
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
    try:
        yield process
    finally:
        stop_process(process)
        if log is not subprocess.DEVNULL:
            log.close()
