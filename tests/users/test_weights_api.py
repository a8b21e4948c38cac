from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import WeightEntryFactory
from users.models import WeightEntry

pytestmark = pytest.mark.django_db

WEIGHTS = "/api/v1/me/weights/"


def detail(entry_id):
    return f"{WEIGHTS}{entry_id}/"


def at(day: int) -> datetime:
    return datetime(2024, 1, day, 8, 0, tzinfo=UTC)


def test_create_and_read(api, user):
    response = api.post(WEIGHTS, {"weight_kg": 72.4, "measured_at": "2024-03-01T07:30:00Z"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"id", "weight_kg", "measured_at"}
    assert body["weight_kg"] == 72.4
    assert api.get(detail(body["id"])).json() == body
    assert WeightEntry.objects.get().user == user


def test_measured_at_defaults_to_now(api):
    before = timezone.now()
    body = api.post(WEIGHTS, {"weight_kg": 70}).json()
    measured = datetime.fromisoformat(body["measured_at"].replace("Z", "+00:00"))
    assert before - timedelta(seconds=1) <= measured <= timezone.now()


def test_list_is_paginated_newest_first(api, user):
    for day in (3, 1, 2):
        WeightEntryFactory(user=user, measured_at=at(day), weight_kg=70 + day)
    page = api.get(WEIGHTS, {"page_size": 2}).json()
    assert page["count"] == 3
    assert [w["weight_kg"] for w in page["results"]] == [73, 72]
    second = api.get(page["next"]).json()
    assert [w["weight_kg"] for w in second["results"]] == [71]


def test_filter_by_date_range(api, user):
    for day in range(1, 6):
        WeightEntryFactory(user=user, measured_at=at(day), weight_kg=70 + day)
    response = api.get(
        WEIGHTS, {"measured_after": "2024-01-02", "measured_before": at(4).isoformat()}
    )
    assert [w["weight_kg"] for w in response.json()["results"]] == [74, 73, 72]


def test_bad_filter_value(api):
    response = api.get(WEIGHTS, {"measured_after": "yesterday-ish"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "measured_after"


def test_correct_an_entry(api, user):
    entry = WeightEntryFactory(user=user, weight_kg=80)
    response = api.patch(detail(entry.id), {"weight_kg": 79.2})
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.weight_kg == 79.2


def test_delete_an_entry(api, user):
    entry = WeightEntryFactory(user=user)
    assert api.delete(detail(entry.id)).status_code == 204
    assert not WeightEntry.objects.exists()


@pytest.mark.parametrize(
    "payload, attr",
    [
        ({"weight_kg": 19.9}, "weight_kg"),
        ({"weight_kg": 400.1}, "weight_kg"),
        ({"weight_kg": -70}, "weight_kg"),
        ({"weight_kg": "heavy"}, "weight_kg"),
        ({"weight_kg": "NaN"}, "weight_kg"),
        ({"weight_kg": "Infinity"}, "weight_kg"),
        ({}, "weight_kg"),
        ({"weight_kg": 70, "measured_at": "2999-01-01T00:00:00Z"}, "measured_at"),
        ({"weight_kg": 70, "measured_at": "last tuesday"}, "measured_at"),
    ],
)
def test_invalid_entries_are_rejected(api, payload, attr):
    response = api.post(WEIGHTS, payload)
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert {e["attr"] for e in response.json()["errors"]} == {attr}
    assert not WeightEntry.objects.exists()


def test_invalid_correction_leaves_entry_unchanged(api, user):
    entry = WeightEntryFactory(user=user, weight_kg=80)
    assert api.patch(detail(entry.id), {"weight_kg": 1000}).status_code == 400
    entry.refresh_from_db()
    assert entry.weight_kg == 80


def test_limits_are_inclusive(api):
    assert api.post(WEIGHTS, {"weight_kg": 20}).status_code == 201
    assert api.post(WEIGHTS, {"weight_kg": 400}).status_code == 201


def test_unknown_entry_is_404_with_error_shape(api):
    response = api.get(detail(999999))
    assert response.status_code == 404
    body = response.json()
    assert body["type"] == "client_error"
    assert [e["code"] for e in body["errors"]] == ["not_found"]


@pytest.mark.parametrize(
    "value", ["2024-01-13T21:20:05-19:33", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"]
)
def test_exotic_offsets_in_filters_are_handled(api, user, value):
    WeightEntryFactory(user=user, measured_at=at(3))
    response = api.get(WEIGHTS, {"measured_after": value})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json()["errors"][0]["attr"] == "measured_after"


def test_offset_is_respected(api, user):
    WeightEntryFactory(user=user, measured_at=at(3))  # 08:00 UTC
    assert api.get(WEIGHTS, {"measured_after": "2024-01-03T09:30:00+02:00"}).json()["count"] == 1
    assert api.get(WEIGHTS, {"measured_after": "2024-01-03T08:30:00-02:00"}).json()["count"] == 0


def test_created_entry_is_located(api):
    response = api.post(WEIGHTS, {"weight_kg": 80})
    assert response.status_code == 201
    assert response["Location"].endswith(f"/api/v1/me/weights/{response.json()['id']}/")
