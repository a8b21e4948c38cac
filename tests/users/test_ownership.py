"""A second user can neither see nor change the first user's objects, through any endpoint."""

import pytest

from tests.factories import WeightEntryFactory
from users.models import WeightEntry

pytestmark = pytest.mark.django_db

WEIGHTS = "/api/v1/me/weights/"


@pytest.fixture
def owners_entry(user):
    return WeightEntryFactory(user=user, weight_kg=81.0)


@pytest.fixture
def intruder(client_for, other_user):
    return client_for(other_user)


@pytest.mark.parametrize(
    "method, payload",
    [("get", None), ("patch", {"weight_kg": 60}), ("put", {"weight_kg": 60}), ("delete", None)],
)
def test_other_users_weight_entry_is_404(intruder, owners_entry, method, payload):
    response = getattr(intruder, method)(f"{WEIGHTS}{owners_entry.id}/", payload)
    assert response.status_code == 404
    owners_entry.refresh_from_db()
    assert owners_entry.weight_kg == 81.0


def test_other_users_entries_are_not_listed_or_exported(intruder, owners_entry):
    assert intruder.get(WEIGHTS).json()["count"] == 0
    assert intruder.get("/api/v1/me/export/").json()["weights"] == []


def test_create_ignores_user_and_id_in_payload(intruder, user, other_user, owners_entry):
    response = intruder.post(WEIGHTS, {"weight_kg": 66, "user": user.id, "id": owners_entry.id})
    assert response.status_code == 201
    created = WeightEntry.objects.get(pk=response.json()["id"])
    assert created.user == other_user
    assert created.pk != owners_entry.pk
    assert WeightEntry.objects.filter(user=user).count() == 1


def test_update_cannot_move_an_entry_to_another_user(api, user, other_user, owners_entry):
    response = api.patch(f"{WEIGHTS}{owners_entry.id}/", {"user": other_user.id, "weight_kg": 80})
    assert response.status_code == 200
    owners_entry.refresh_from_db()
    assert owners_entry.user == user


def test_profile_endpoints_only_ever_touch_the_caller(intruder, user, other_user):
    assert intruder.get("/api/v1/me/").json()["id"] == other_user.id
    intruder.patch("/api/v1/me/", {"display_name": "Intruder", "id": user.id})
    user.refresh_from_db()
    assert user.display_name != "Intruder"
