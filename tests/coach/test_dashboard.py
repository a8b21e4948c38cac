"""Django serves the built dashboard: index.html for every /app/ URL, the API untouched."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(tmp_path, monkeypatch):
    (tmp_path / "index.html").write_text("<!doctype html><title>coach</title><main id=main>")
    monkeypatch.setattr(settings, "DASHBOARD_DIST_DIR", tmp_path, raising=False)
    return tmp_path


@pytest.mark.parametrize("path", ["/app/", "/app/sessions/12", "/app/stats?period=month"])
def test_every_app_url_answers_the_app_with_a_csrf_cookie(client, built, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert b"<main id=main>" in response.content
    assert "csrftoken" in response.cookies
    assert "no-cache" in response["Cache-Control"]


def test_root_and_bare_app_lead_to_the_app(client, built):
    assert client.get("/")["Location"] == "/app/"
    assert client.get("/app")["Location"] == "/app/"


def test_api_and_health_are_not_taken_over(client, built):
    assert client.get("/api/v1/me/").status_code == 401
    assert client.get("/api/v1/nope/").status_code == 404
    assert client.get("/healthz").status_code in (200, 503)


def test_writes_to_app_urls_are_refused(client, built):
    assert client.post("/app/").status_code == 405


def test_unbuilt_dashboard_says_how_to_build_it(client, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "DASHBOARD_DIST_DIR", tmp_path / "missing", raising=False)
    response = client.get("/app/")
    assert response.status_code == 503
    assert b"make frontend" in response.content
