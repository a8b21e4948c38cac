"""A date-time without its UTC offset is refused everywhere with one clear error (the live
WebSocket does the same), never silently read as UTC."""

import pytest

from tests.workouts.factories import WorkoutSessionFactory

pytestmark = pytest.mark.django_db

NAIVE = "2026-01-05T08:30:00"


def assert_naive_refused(response, attr):
    assert response.status_code == 400, response.content
    (error,) = response.json()["errors"]
    assert (error["code"], error["attr"]) == ("naive", attr)
    assert "offset" in error["detail"]


def test_weight_entry(api):
    response = api.post("/api/v1/me/weights/", {"weight_kg": 80, "measured_at": NAIVE})
    assert_naive_refused(response, "measured_at")
    ok = api.post("/api/v1/me/weights/", {"weight_kg": 80, "measured_at": NAIVE + "+01:00"})
    assert ok.status_code == 201
    assert ok.json()["measured_at"].startswith("2026-01-05T07:30:00")


def test_session_edit(api, user):
    session = WorkoutSessionFactory(user=user)
    detail = f"/api/v1/sessions/{session.id}/"
    assert_naive_refused(api.patch(detail, {"started_at": NAIVE}), "started_at")
    assert api.patch(detail, {"started_at": NAIVE + "Z"}).status_code == 200


@pytest.mark.parametrize(
    "path, parameter",
    [("/api/v1/me/weights/", "measured_before"), ("/api/v1/sessions/", "started_after")],
)
def test_list_filters(api, path, parameter):
    assert_naive_refused(api.get(path, {parameter: NAIVE}), parameter)
    assert api.get(path, {parameter: NAIVE + "Z"}).status_code == 200
    assert api.get(path, {parameter: "2026-01-05"}).status_code == 200  # a UTC day


def test_the_error_code_is_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    text = str(schema["components"]["schemas"])
    assert "naive" in text
