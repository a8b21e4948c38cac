"""A real worker process takes a task from the real broker and answers through the backend."""

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
    from coach.celery import app

    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0
