"""Start web server processes for integration tests (and bench/bench_direct_upload.py):
gunicorn for HTTP and daphne for WebSockets, as production runs them (docker/), or
`runserver` as `make run` does."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.workers import stop_process

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_command(port: int, workers: int) -> list[str]:
    """Production HTTP (coach/gunicorn_conf.py) on a loopback port."""
    return [sys.executable, "-m", "gunicorn", "-c", "python:coach.gunicorn_conf",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "coach.wsgi"]  # fmt: skip


def daphne_command(port: int) -> list[str]:
    """Production WebSockets (the live endpoint) on a loopback port."""
    return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
            "coach.asgi:application"]  # fmt: skip


def wait_until_serving(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the web server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answered, which is all this waits for
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the web server did not answer {url} within {timeout}s")


def env_on_the_test_database() -> dict:
    """This test process's environment for a server process on the test database."""
    from django.db import connection

    return {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "coach.settings.test",
        "COACH_WORKER_DB_NAME": str(connection.settings_dict["NAME"]),
    }


@dataclass(frozen=True)
class Server:
    url: str  # http://127.0.0.1:port
    pid: int


@contextlib.contextmanager
def serving(command: list[str], *, env: dict, port: int, log: Path, ready_path="/healthz"):
    """Runs `command` (a server listening on `port`) until the block ends; yields it once
    it answers `ready_path`. Its output is appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as output:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=output)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_serving(f"{url}{ready_path}", process)
            yield Server(url, process.pid)
        finally:
            stop_process(process)


def start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return process
        time.sleep(0.05)
    raise AssertionError("redis-server did not start")
