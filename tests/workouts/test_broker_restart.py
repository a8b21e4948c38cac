"""A broker restarted without persistence loses the analyses queued in it. With our own
Redis (never the machine's), real worker processes and the real engine: uploads are
queued, the broker is killed and started again empty, and the periodic sweep sends the
lost analyses again. Every session ends done, each analysed once."""

import contextlib
import shutil
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.servers import free_port, start_redis
from tests.workers import running_worker, stop_process
from workouts.models import SessionStatus, WorkoutSession
from workouts.services import session_create_from_upload, sessions_requeue_stuck

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


@contextlib.contextmanager
def publishing_to(url: str):
    """This process's Celery app sends to `url` for a while (whatever broker the settings
    name); its own connection pools are set aside and put back untouched afterwards."""
    from coach.celery import app

    conf = app.conf
    saved = (conf.broker_url, conf.broker_transport, conf.broker_transport_options)
    saved_pools = (app._pool, app.amqp._producer_pool)
    conf.broker_url, conf.broker_transport, conf.broker_transport_options = url, None, {}
    app._pool, app.amqp._producer_pool = None, None
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        conf.broker_url, conf.broker_transport, conf.broker_transport_options = saved
        app._pool, app.amqp._producer_pool = saved_pools


def queued(url: str) -> int:
    import redis

    return redis.Redis.from_url(url).llen("analysis")


def test_analyses_lost_with_the_broker_are_sent_again(user, synthetic_video):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    broker = start_redis(port)
    try:
        with publishing_to(url):
            ids = [
                session_create_from_upload(
                    user=user, video=SimpleUploadedFile("w.mp4", synthetic_video.read_bytes())
                ).id
                for _ in range(3)
            ]
            assert queued(url) == 3
            broker.kill()  # restarted without persistence: the queue is gone
            broker.wait()
            broker = start_redis(port)
            assert queued(url) == 0
            with running_worker(queues="celery,analysis", extra_env={"CELERY_BROKER_URL": url}):
                time.sleep(3)
                assert WorkoutSession.objects.filter(status=SessionStatus.PENDING).count() == 3
                # The sweep's deadline has passed for them (it runs every minute).
                WorkoutSession.objects.update(enqueued_at=timezone.now() - timedelta(hours=1))
                assert sessions_requeue_stuck() == 3
                deadline = time.monotonic() + 180
                while time.monotonic() < deadline:
                    statuses = set(WorkoutSession.objects.values_list("status", flat=True))
                    if statuses <= {SessionStatus.DONE, SessionStatus.FAILED}:
                        break
                    time.sleep(0.5)
        sessions = WorkoutSession.objects.filter(pk__in=ids)
        assert {s.status for s in sessions} == {SessionStatus.DONE}
        assert [s.analysis_attempts for s in sessions] == [1, 1, 1]  # each analysed once
    finally:
        stop_process(broker, grace_s=5)
