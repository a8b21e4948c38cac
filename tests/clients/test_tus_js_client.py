"""tus-js-client (the dashboard's upload library) from Node: a real clip sent in small
chunks, aborted midway, then resumed by a new Upload from the offset the server reports,
and completed into a workout session."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.clients.conftest import complete_upload, upload_offset
from tests.servers import REPO

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = Path(__file__).with_name("tus_js_upload.cjs")
CHUNK = 16 * 1024
CHUNKS_BEFORE_STOP = 2


@pytest.fixture(scope="module")
def node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    if not (REPO / "frontend" / "node_modules" / "tus-js-client").is_dir():
        pytest.skip("tus-js-client is not installed (cd frontend && npm ci, or `make frontend`)")
    return node


def run_node(node: str, *args) -> dict:
    result = subprocess.run(
        [node, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_an_aborted_upload_resumes_from_the_servers_offset(node, coach_server, access_token, clip):
    endpoint = f"{coach_server}/api/v1/uploads/"
    size = clip.stat().st_size
    assert size > 3 * CHUNK

    stopped = run_node(node, endpoint, access_token, clip, CHUNK, CHUNKS_BEFORE_STOP)
    upload_url = stopped["url"]
    assert upload_url.startswith(endpoint)
    assert stopped["offset"] == CHUNKS_BEFORE_STOP * CHUNK
    assert upload_offset(upload_url, access_token) == CHUNKS_BEFORE_STOP * CHUNK

    resumed = run_node(node, endpoint, access_token, clip, CHUNK, "resume", upload_url)
    assert resumed["url"] == upload_url
    assert resumed["resumedFrom"] == CHUNKS_BEFORE_STOP * CHUNK
    session = complete_upload(upload_url, access_token, size=size)
    assert session["title"] == "tus-js-client"
