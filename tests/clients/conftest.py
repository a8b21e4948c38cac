"""Third-party clients run for real against a real server process (`manage.py runserver`,
as `make run` starts it) on the test database: a client generated from the live schema
(openapi-python-client), tuspy and tus-js-client. Each test skips, saying why, where its
client is not installed."""

import json
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.datasets import dataset_dir
from tests.servers import REPO, env_on_the_test_database, free_port, serving
from tests.videos import write_synthetic_video

LOG = REPO / ".pytest_cache" / "clients-server.log"
# A small real clip (83 kB) from the dataset; a synthetic one where the dataset is absent.
DATASET_CLIP = Path("videos") / "pull_up" / "tretraint__video1-1.mp4"


@pytest.fixture(scope="session")
def coach_server(django_db_setup, django_db_blocker):
    """One server process for the client tests. Every test makes its own account through the
    API, so nothing depends on the data another test left. Its sessions are never analysed
    (an in-memory broker: no task reaches a worker)."""
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    with django_db_blocker.unblock():
        env = {**env_on_the_test_database(), "CELERY_BROKER_URL": "memory://"}
    with serving(command, env=env, port=port, log=LOG) as server:
        yield server.url


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> Path:
    path = dataset_dir() / DATASET_CLIP
    if path.is_file():
        return path
    return write_synthetic_video(tmp_path_factory.mktemp("clip") / "workout.mp4", seconds=4)


def new_account() -> tuple[str, str]:
    """A fresh e-mail and a password Django's validators accept."""
    return f"client-{uuid.uuid4().hex[:12]}@example.com", "a long enough passphrase 7"


@pytest.fixture
def access_token(coach_server) -> str:
    """The access token of a new account, signed up over HTTP."""
    email, password = new_account()
    request = urllib.request.Request(
        f"{coach_server}/api/v1/auth/signup/",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["tokens"]["access"]


def complete_upload(upload_url: str, token: str, *, size: int) -> dict:
    """The README's last tus step (not part of tus): once all `size` bytes arrived, the
    upload becomes a workout session, pending analysis, found at its `Location`."""
    assert upload_offset(upload_url, token) == size
    auth = {"Authorization": f"Bearer {token}"}
    request = urllib.request.Request(
        f"{upload_url}complete/", method="POST", headers={**auth, "Tus-Resumable": "1.0.0"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        session = json.load(response)
        location = response.headers["Location"]
    assert session["status"] == "pending"
    with urllib.request.urlopen(urllib.request.Request(location, headers=auth)) as response:
        assert json.load(response)["id"] == session["id"]
    return session


def upload_offset(upload_url: str, token: str) -> int:
    request = urllib.request.Request(
        upload_url,
        method="HEAD",
        headers={"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.headers["Upload-Offset"])
