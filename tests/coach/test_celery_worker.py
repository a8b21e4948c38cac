"""A real worker process takes a task from the real broker and answers through the backend."""

import json
import os

import pytest
from django.conf import settings

from coach.tasks import ping
from tests.workers import running_worker

pytestmark = pytest.mark.slow


def test_worker_round_trip():
    with running_worker() as worker:
        result = ping.delay().get(timeout=90)
    assert result["pong"] is True
    assert result["pid"] != os.getpid()
    assert worker.returncode is not None


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_worker_round_trip_goes_through_redis():
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert settings.CELERY_RESULT_BACKEND.startswith("redis://")
    with running_worker():
        assert ping.delay().get(timeout=90)["pong"] is True


def test_celery_is_json_only_with_late_acks():
    """The configured app at work, not the settings restated: a task message the app sends is
    JSON, a worker's task consumer refuses pickle, and a worker acknowledges a message only
    after the task ran (a worker lost mid-task leaves it to be delivered again)."""
    import pickle

    from celery.worker.request import Request
    from kombu import Connection
    from kombu.exceptions import ContentDisallowed
    from kombu.message import Message

    from coach.celery import app

    events = []

    @app.task(name="tests.coach.ack_probe", shared=False)
    def probe(value):
        events.append(("run", value))

    with Connection("memory://") as connection:
        queue = connection.SimpleQueue("ack-probe")
        probe.apply_async(args=[{"a": 1}], connection=connection, queue="ack-probe")
        message = queue.get(timeout=5)
        accept = app.amqp.TaskConsumer(connection).accept  # what a worker consumes with
        queue.close()
    assert message.content_type == "application/json"
    assert json.loads(message.body)[0] == [{"a": 1}]
    sent_as_pickle = Message(
        body=pickle.dumps([[], {}, {}]),
        content_type="application/x-python-serialize",
        content_encoding="binary",
        accept=accept,
    )
    with pytest.raises(ContentDisallowed):
        sent_as_pickle.decode()

    def ack(*args):
        events.append("ack")

    Request(message, app=app, task=probe, on_ack=ack).execute()
    assert events == [("run", {"a": 1}), "ack"]
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0
