"""A database connection dropped under a request (a PostgreSQL restart or failover): reads
are run once more on a fresh connection, writes answer 503 with Retry-After, never 500."""

import os

import pytest
from django.db import connection

from tests.factories import WeightEntryFactory


@pytest.fixture
def api(user):
    """Answers as a server would: the test client re-raises any reported 5xx otherwise."""
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgres" not in os.environ.get("DATABASE_URL", ""),
        reason="kills a PostgreSQL backend (CI runs PostgreSQL)",
    ),
]


def kill_this_connection():
    """Terminates the server side of Django's connection, as a restart would."""
    import psycopg2

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    other.autocommit = True
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()


def test_a_read_on_a_dropped_connection_is_answered(api, user):
    WeightEntryFactory(user=user, weight_kg=80)
    kill_this_connection()
    response = api.get("/api/v1/me/weights/")
    assert response.status_code == 200, response.content
    assert [e["weight_kg"] for e in response.json()["results"]] == [80]


def test_a_write_on_a_dropped_connection_answers_503(api, user):
    kill_this_connection()
    response = api.post("/api/v1/me/weights/", {"weight_kg": 81})
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    assert response.json()["errors"][0]["code"] == "database_unavailable"
    assert api.post("/api/v1/me/weights/", {"weight_kg": 81}).status_code == 201  # and after


def test_healthz_on_a_dropped_connection_answers_from_a_fresh_one(user):
    # A probe after a PostgreSQL restart: the dead connection is not the database's state,
    # and nothing may try to commit on it (the request's transaction did: 500).
    from django.test import Client

    kill_this_connection()
    response = Client(raise_request_exception=False).get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["database"] == "ok"
