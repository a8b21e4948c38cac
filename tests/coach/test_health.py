import pytest
from celery import Celery

import coach.health

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
