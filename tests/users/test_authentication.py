"""JWT requests take their user from the cache (AUTH_USER_CACHE_S), and every revocation
still takes effect at the next request: password change, reset, deactivation, deletion."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.conftest import jwt_client_for
from tests.factories import DEFAULT_PASSWORD
from users.authentication import CachedUserJWTAuthentication
from users.models import User

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
NEW_PASSWORD = "a-brand-new-phrase-42"


@pytest.fixture(autouse=True)
def user_cache(settings):
    settings.AUTH_USER_CACHE_S = 60
    cache.clear()
    yield
    cache.clear()


def user_queries(client) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(ME).status_code
    return status, [q for q in queries if 'FROM "users_user"' in q["sql"]]


def test_the_user_is_read_once_then_taken_from_the_cache(user):
    cache.clear()  # the mark its creation left, which holds off caching for a while
    client = jwt_client_for(user)
    status, queries = user_queries(client)
    assert status == 200 and len(queries) == 1
    status, queries = user_queries(client)
    assert status == 200 and queries == []


def test_a_changed_user_is_not_cached_for_a_while(user):
    client = jwt_client_for(user)  # the user was just saved
    client.get(ME)
    status, queries = user_queries(client)
    assert status == 200 and len(queries) == 1


def test_without_a_shared_cache_it_reads_the_database(user, settings):
    settings.AUTH_USER_CACHE_S = 0
    client = jwt_client_for(user)
    client.get(ME)
    status, queries = user_queries(client)
    assert status == 200 and len(queries) == 1


def test_a_password_change_ends_cached_tokens_at_once(user):
    client = jwt_client_for(user)
    assert client.get(ME).status_code == 200  # cached now
    changed = client.post(
        ME + "password/", {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 204
    refused = client.get(ME)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["code"] == "password_changed"


def test_a_password_reset_ends_cached_tokens_at_once(user):
    client = jwt_client_for(user)
    assert client.get(ME).status_code == 200
    APIClient().post("/api/v1/auth/password-reset/", {"email": user.email})
    body = mail.outbox[-1].body
    code = {name: re.search(rf"{name}: (\S+)", body).group(1) for name in ("uid", "token")}
    confirm = APIClient().post(
        "/api/v1/auth/password-reset/confirm/", {**code, "new_password": NEW_PASSWORD}
    )
    assert confirm.status_code == 204
    assert client.get(ME).status_code == 401


def test_deactivation_and_deletion_end_cached_tokens(user, other_user):
    inactive, deleted = jwt_client_for(user), jwt_client_for(other_user)
    assert inactive.get(ME).status_code == deleted.get(ME).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    other_user.delete()
    assert inactive.get(ME).json()["errors"][0]["code"] == "user_inactive"
    assert deleted.get(ME).json()["errors"][0]["code"] == "user_not_found"


def test_a_profile_edit_is_seen_at_once(user):
    client = jwt_client_for(user)
    client.get(ME)
    client.patch(ME, {"display_name": "Renamed"})
    assert client.get(ME).json()["display_name"] == "Renamed"


def test_a_copy_read_before_a_change_is_not_cached_after_it(user, monkeypatch):
    # A request read the row, then the password changed (its mark set), then the request
    # would cache what it read: the mark keeps that stale copy out.
    stale = User.objects.get(pk=user.pk)
    user.set_password(NEW_PASSWORD)
    user.save()
    users = CachedUserJWTAuthentication().user_model
    with monkeypatch.context() as patch:
        patch.setattr(User.objects, "get", lambda **lookup: stale)  # read before the change
        users.objects.get(id=user.pk)
    assert users.objects.get(id=user.pk).password == User.objects.get(pk=user.pk).password


def test_a_cache_outage_falls_back_to_the_database(user, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "add", down)
    assert jwt_client_for(user).get(ME).status_code == 200
