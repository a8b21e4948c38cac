import shutil

import pytest
from celery import Celery

import coach.health
from tests.servers import free_port, start_redis
from tests.workers import stop_process

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_healthz_is_503_when_the_broker_is_unreachable(client, monkeypatch):
    # A real connection attempt to a port nothing listens on.
    unreachable = Celery(broker="redis://127.0.0.1:9/0", set_as_current=False)
    monkeypatch.setattr(coach.health, "celery_app", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "unreachable"}


def test_healthz_needs_no_login_and_only_reads(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_healthz_sees_a_broker_that_restarted_went_away_and_came_back(client, monkeypatch):
    # The check reuses a pooled connection: a broker restarted since the last call is up,
    # one gone is reported (our own Redis, never the machine's).
    port = free_port()
    own = Celery(broker=f"redis://127.0.0.1:{port}/0", set_as_current=False)
    monkeypatch.setattr(coach.health, "celery_app", own)
    broker = start_redis(port)
    try:
        assert client.get("/healthz").status_code == 200
        stop_process(broker)  # restarted between two checks: the pooled connection is dead
        broker = start_redis(port)
        assert client.get("/healthz").status_code == 200
        stop_process(broker)
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["checks"]["broker"] == "unreachable"
        broker = start_redis(port)
        assert client.get("/healthz").status_code == 200
    finally:
        stop_process(broker)
        own.pool.force_close_all()
