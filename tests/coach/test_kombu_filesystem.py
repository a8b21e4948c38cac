"""The embedded broker never shows a consumer a message that is still being written."""

import os

import pytest
from kombu import Connection

from coach import kombu_filesystem


# kombu keeps exchange bindings per transport class, across connections: each test uses its
# own queue name.
@pytest.fixture
def connection(tmp_path):
    folder = str(tmp_path)
    options = {
        "data_folder_in": folder,
        "data_folder_out": folder,
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
    }
    with Connection(transport=kombu_filesystem.Transport, transport_options=options) as conn:
        yield conn


def test_round_trip(connection):
    queue = connection.SimpleQueue("chunks")
    queue.put({"seq": 1})
    queue.put({"seq": 2})
    assert [queue.get(timeout=1).payload["seq"] for _ in range(2)] == [1, 2]
    queue.close()


def test_message_appears_only_when_complete(connection, tmp_path, monkeypatch):
    seen_while_writing = []
    encode = kombu_filesystem.str_to_bytes

    def spy(text):  # runs while the message is being written
        seen_while_writing.extend(n for n in os.listdir(tmp_path) if n.endswith(".batches.msg"))
        return encode(text)

    monkeypatch.setattr(kombu_filesystem, "str_to_bytes", spy)
    queue = connection.SimpleQueue("batches")
    queue.put({"seq": 1})
    assert seen_while_writing == []
    assert [n for n in os.listdir(tmp_path) if n.endswith(".batches.msg")]  # now it is there
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".partial-")]
    queue.close()


def test_embedded_celery_uses_it(settings):
    from coach.celery import app

    if not app.conf.broker_url.startswith("filesystem://"):
        pytest.skip("the broker is not the embedded filesystem one (REDIS_URL is set)")
    with app.connection_for_write() as conn:
        assert isinstance(conn.transport, kombu_filesystem.Transport)
