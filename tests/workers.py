"""Start a real Celery worker process for integration tests."""

import contextlib
import os
import signal
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


def worker_children(worker: subprocess.Popen) -> list[int]:
    """The pool processes of a prefork worker (they run the tasks)."""
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def kill_worker(worker: subprocess.Popen) -> None:
    """SIGKILL to the worker and its pool processes at once, as a lost machine would do:
    nothing is handed back to the broker."""
    pids = [worker.pid, *worker_children(worker)]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    worker.wait()


def wait_until_ready(log_path: Path, timeout_s: float = 120) -> None:
    """Until the worker logging to `log_path` says it is ready to take tasks."""
    deadline = time.monotonic() + timeout_s
    while b" ready." not in (log_path.read_bytes() if log_path.exists() else b""):
        if time.monotonic() > deadline:
            raise AssertionError(f"the worker logging to {log_path} did not start")
        time.sleep(0.05)


@contextlib.contextmanager
def running_worker(
    *,
    queues: str = "celery",
    concurrency: int = 1,
    extra_env: dict | None = None,
    log_path: Path | None = None,
):
    """A `celery worker` subprocess with the test settings; stopped (TERM, then KILL) on exit.

    It inherits the test process's environment, so it talks to the same broker, result
    backend, database and media folder. It logs to `log_path` when given (see
    `wait_until_ready`), else with the other workers into .pytest_cache/worker.log.
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
    if log_path is None and (REPO_ROOT / ".pytest_cache").is_dir():
        log_path = REPO_ROOT / ".pytest_cache" / "worker.log"
    log = open(log_path, "ab") if log_path is not None else subprocess.DEVNULL
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
    try:
        yield process
    finally:
        stop_process(process)
        if log is not subprocess.DEVNULL:
            log.close()
