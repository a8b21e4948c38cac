from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD, WeightEntryFactory
from users.models import User, WeightEntry

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
PASSWORD = "/api/v1/me/password/"
EXPORT = "/api/v1/me/export/"


def years_ago(years: int) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years)


def test_read_profile(api, user):
    WeightEntryFactory(user=user, weight_kg=71.5, measured_at=timezone.now() - timedelta(days=1))
    body = api.get(ME).json()
    assert body["email"] == user.email
    assert body["height_cm"] == 170.0
    assert body["sex"] == "female"
    assert body["units"] == "metric"
    assert body["weight_kg"] == 71.5
    assert body["age"] == user.age_on(timezone.localdate())


def test_update_profile(api, user):
    response = api.patch(
        ME,
        {
            "display_name": "Ada",
            "sex": "male",
            "birth_date": "1985-02-01",
            "height_cm": 181.5,
            "units": "imperial",
        },
    )
    assert response.status_code == 200, response.json()
    user.refresh_from_db()
    assert (user.display_name, user.sex, user.height_cm, user.units) == (
        "Ada",
        "male",
        181.5,
        "imperial",
    )
    assert user.birth_date == date(1985, 2, 1)


def test_email_and_id_are_read_only(api, user, other_user):
    response = api.patch(ME, {"email": "hijack@example.com", "id": other_user.id})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.email != "hijack@example.com"
    assert response.json()["id"] == user.id


@pytest.mark.parametrize(
    "field, value",
    [
        ("height_cm", 79.9),
        ("height_cm", 250.1),
        ("height_cm", "tall"),
        ("sex", "other"),
        ("units", "furlongs"),
        ("birth_date", "not-a-date"),
    ],
)
def test_invalid_profile_values(api, user, field, value):
    before = User.objects.values().get(pk=user.pk)
    response = api.patch(ME, {field: value})
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {field}
    assert User.objects.values().get(pk=user.pk) == before


@pytest.mark.parametrize(
    "birth_date", [years_ago(9), years_ago(112), timezone.localdate() + timedelta(days=1)]
)
def test_implausible_birth_dates(api, birth_date):
    response = api.patch(ME, {"birth_date": birth_date.isoformat()})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "birth_date"


@pytest.mark.parametrize("birth_date", [years_ago(10), years_ago(110)])
def test_age_limits_are_inclusive(api, birth_date):
    assert api.patch(ME, {"birth_date": birth_date.isoformat()}).status_code == 200


def test_clearing_optional_metrics(api, user):
    response = api.patch(ME, {"birth_date": None, "height_cm": None})
    assert response.status_code == 200
    assert response.json()["age"] is None


def test_put_is_not_allowed(api):
    assert api.put(ME, {}).status_code == 405


class TestPasswordChange:
    def test_change(self, api, user):
        response = api.post(
            PASSWORD,
            {"current_password": DEFAULT_PASSWORD, "new_password": "a-brand-new-phrase-42"},
        )
        assert response.status_code == 204
        user.refresh_from_db()
        assert user.check_password("a-brand-new-phrase-42")

    def test_wrong_current_password(self, api, user):
        response = api.post(
            PASSWORD, {"current_password": "nope", "new_password": "a-brand-new-phrase-42"}
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "current_password"
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)

    def test_weak_new_password(self, api, user):
        response = api.post(PASSWORD, {"current_password": DEFAULT_PASSWORD, "new_password": "123"})
        assert response.status_code == 400
        assert {e["attr"] for e in response.json()["errors"]} == {"new_password"}


class TestExportAndDeletion:
    def test_export_contains_everything_the_user_owns(self, api, user, other_user):
        WeightEntryFactory.create_batch(3, user=user)
        WeightEntryFactory(user=other_user)
        response = api.get(EXPORT)
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        body = response.json()
        assert body["profile"]["email"] == user.email
        assert len(body["weights"]) == 3
        assert {w["id"] for w in body["weights"]} == set(
            user.weight_entries.values_list("id", flat=True)
        )

    def test_delete_account_removes_everything_owned(self, api, user, other_user):
        WeightEntryFactory.create_batch(2, user=user)
        WeightEntryFactory(user=other_user)
        assert api.delete(ME).status_code == 204
        assert not User.objects.filter(pk=user.pk).exists()
        assert not WeightEntry.objects.filter(user_id=user.pk).exists()
        assert WeightEntry.objects.filter(user=other_user).count() == 1
        assert api.get(ME).status_code == 401

    def test_anonymous_cannot_export_or_delete(self, anon_client, user):
        assert anon_client.get(EXPORT).status_code == 401
        assert anon_client.delete(ME).status_code == 401
        assert User.objects.filter(pk=user.pk).exists()


def test_password_change_revokes_refresh_tokens(api, anon_client, user):
    from rest_framework_simplejwt.tokens import RefreshToken

    stolen = str(RefreshToken.for_user(user))
    assert anon_client.post("/api/v1/auth/token/refresh/", {"refresh": stolen}).status_code == 200
    stolen = str(RefreshToken.for_user(user))
    api.post(
        PASSWORD, {"current_password": DEFAULT_PASSWORD, "new_password": "a-brand-new-phrase-42"}
    )
    assert anon_client.post("/api/v1/auth/token/refresh/", {"refresh": stolen}).status_code == 401


def test_password_change_keeps_the_browser_session(client, user):
    client.force_login(user)
    response = client.post(
        PASSWORD,
        {"current_password": DEFAULT_PASSWORD, "new_password": "a-brand-new-phrase-42"},
        content_type="application/json",
    )
    assert response.status_code == 204
    assert client.get(ME).status_code == 200
