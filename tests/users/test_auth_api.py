import os
import time
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.factories import DEFAULT_PASSWORD, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db

SIGNUP = "/api/v1/auth/signup/"
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGIN = "/api/v1/auth/login/"
LOGOUT = "/api/v1/auth/logout/"
CSRF = "/api/v1/auth/csrf/"
ME = "/api/v1/me/"


def error_attrs(response):
    return {error["attr"] for error in response.json()["errors"]}


class TestSignup:
    def test_creates_account_and_returns_tokens(self, anon_client):
        response = anon_client.post(
            SIGNUP, {"email": "New.Person@Example.com", "password": "a-Long-pass-phrase-9"}
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["user"]["email"] == "new.person@example.com"
        assert body["user"]["units"] == "metric"
        access = body["tokens"]["access"]
        me = APIClient()
        me.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        assert me.get(ME).json()["email"] == "new.person@example.com"
        assert User.objects.get().check_password("a-Long-pass-phrase-9")

    def test_email_is_unique_case_insensitively(self, anon_client, user):
        response = anon_client.post(
            SIGNUP, {"email": user.email.upper(), "password": "a-Long-pass-phrase-9"}
        )
        assert response.status_code == 400
        assert error_attrs(response) == {"email"}
        assert User.objects.count() == 1

    @pytest.mark.parametrize(
        "password", ["short", "12345678901", "password123", "athlete@example.com"]
    )
    def test_weak_passwords_are_rejected(self, anon_client, password):
        response = anon_client.post(SIGNUP, {"email": "athlete@example.com", "password": password})
        assert response.status_code == 400
        assert error_attrs(response) == {"password"}
        assert not User.objects.exists()

    @pytest.mark.parametrize("payload", [{}, {"email": "not-an-email", "password": "x" * 20}])
    def test_missing_or_malformed_fields(self, anon_client, payload):
        response = anon_client.post(SIGNUP, payload)
        assert response.status_code == 400
        assert response.json()["type"] == "validation_error"


class TestJwt:
    def test_obtain_with_any_email_case_and_refresh(self, anon_client, user):
        response = anon_client.post(
            TOKEN, {"email": user.email.upper(), "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 200, response.json()
        pair = response.json()
        refreshed = anon_client.post(REFRESH, {"refresh": pair["refresh"]})
        assert refreshed.status_code == 200
        assert refreshed.json()["access"] != pair["access"]

    def test_wrong_password(self, anon_client, user):
        response = anon_client.post(TOKEN, {"email": user.email, "password": "wrong"})
        assert response.status_code == 401
        assert response.json()["type"] == "client_error"

    def test_rotated_refresh_token_cannot_be_reused(self, anon_client, user, settings):
        settings.JWT_REFRESH_GRACE_S = 0
        refresh = str(RefreshToken.for_user(user))
        assert anon_client.post(REFRESH, {"refresh": refresh}).status_code == 200
        response = anon_client.post(REFRESH, {"refresh": refresh})
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "token_not_valid"

    def test_expired_access_token_is_rejected(self, user):
        token = AccessToken.for_user(user)
        token.set_exp(lifetime=-timedelta(seconds=1))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert client.get(ME).status_code == 401

    def test_token_signed_with_another_key_is_rejected(self, user):
        payload = dict(AccessToken.for_user(user).payload)
        forged = jwt.encode(
            payload, "an-attacker-chosen-key-that-is-not-the-server-key", algorithm="HS256"
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
        assert client.get(ME).status_code == 401

    def test_token_with_tampered_claims_is_rejected(self, user, other_user):
        header, payload, signature = str(AccessToken.for_user(user)).split(".")
        other_payload = str(AccessToken.for_user(other_user)).split(".")[1]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {header}.{other_payload}x.{signature}")
        assert client.get(ME).status_code == 401
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {header}.{other_payload}.{signature}")
        assert client.get(ME).status_code == 401

    def test_unsigned_token_is_rejected(self, user):
        payload = dict(AccessToken.for_user(user).payload)
        unsigned = jwt.encode(payload, None, algorithm="none")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {unsigned}")
        assert client.get(ME).status_code == 401

    def test_refresh_token_is_not_an_access_token(self, user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user)}")
        assert client.get(ME).status_code == 401

    def test_token_of_deleted_user_is_rejected(self, user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
        user.delete()
        assert client.get(ME).status_code == 401

    def test_no_credentials(self, anon_client):
        response = anon_client.get(ME)
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "not_authenticated"


class TestRefreshTokenFamilies:
    """Two screens or a retry may send one refresh token twice; a thief sends it later."""

    @pytest.fixture(autouse=True)
    def clear_cache(self):
        from django.core.cache import cache

        cache.clear()

    @staticmethod
    def log_in(user):
        body = {"email": user.email, "password": DEFAULT_PASSWORD}
        response = APIClient().post(TOKEN, body)
        assert response.status_code == 200
        return response.json()

    @staticmethod
    def refresh(token):
        return APIClient().post(REFRESH, {"refresh": token})

    def test_the_same_refresh_twice_gets_the_same_pair(self, user):
        pair = self.log_in(user)
        first, again = self.refresh(pair["refresh"]), self.refresh(pair["refresh"])
        assert first.status_code == again.status_code == 200
        assert first.json() == again.json()
        assert self.refresh(first.json()["refresh"]).status_code == 200  # the chain goes on

    @pytest.mark.skipif(
        "postgres" not in os.environ.get("DATABASE_URL", ""),
        reason="concurrent writers need PostgreSQL (SQLite locks; CI runs PostgreSQL)",
    )
    @pytest.mark.django_db(transaction=True)
    def test_concurrent_refreshes_all_succeed(self, user):
        from concurrent.futures import ThreadPoolExecutor

        from django.db import connection

        pair = self.log_in(user)

        def refresh_in_thread(_):
            try:
                return self.refresh(pair["refresh"]).status_code
            finally:
                connection.close()  # each thread's own connection

        with ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(refresh_in_thread, range(4)))
        assert codes == [200] * 4

    def test_reuse_after_the_grace_revokes_the_family(self, user, settings):
        settings.JWT_REFRESH_GRACE_S = 0
        stolen = self.log_in(user)
        other_device = self.log_in(user)
        victim = self.refresh(stolen["refresh"]).json()  # the victim's app rotates
        assert self.refresh(stolen["refresh"]).status_code == 401  # the thief replays it
        assert self.refresh(victim["refresh"]).status_code == 401, "the whole family is revoked"
        assert self.refresh(other_device["refresh"]).status_code == 200

    def test_a_password_change_ends_access_tokens_at_once(self, user):
        pair = self.log_in(user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
        assert client.get(ME).status_code == 200
        changed = client.post(
            ME + "password/",
            {"current_password": DEFAULT_PASSWORD, "new_password": "a-brand-new-phrase-42"},
        )
        assert changed.status_code == 204
        assert client.get(ME).status_code == 401
        assert self.refresh(pair["refresh"]).status_code == 401


class TestSessionLogin:
    def csrf_client(self):
        client = APIClient(enforce_csrf_checks=True)
        token = client.get(CSRF).json()["csrf_token"]
        return client, token

    def test_login_requires_csrf_token(self, user):
        client = APIClient(enforce_csrf_checks=True)
        response = client.post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 403
        assert "CSRF" in response.json()["errors"][0]["detail"]

    def test_login_then_session_requests_need_csrf_for_writes(self, user):
        client, token = self.csrf_client()
        response = client.post(
            LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}, HTTP_X_CSRFTOKEN=token
        )
        assert response.status_code == 200, response.json()
        token = client.cookies[settings.CSRF_COOKIE_NAME].value  # rotated on login
        assert client.get(ME).json()["email"] == user.email
        assert client.patch(ME, {"display_name": "No token"}).status_code == 403
        patched = client.patch(ME, {"display_name": "With token"}, HTTP_X_CSRFTOKEN=token)
        assert patched.status_code == 200

    def test_wrong_password_gives_clear_error(self, user):
        client, token = self.csrf_client()
        response = client.post(
            LOGIN, {"email": user.email, "password": "nope"}, HTTP_X_CSRFTOKEN=token
        )
        assert response.status_code == 400
        assert "wrong" in response.json()["errors"][0]["detail"]

    def test_logout_ends_session(self, user):
        client, token = self.csrf_client()
        client.post(
            LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}, HTTP_X_CSRFTOKEN=token
        )
        token = client.cookies[settings.CSRF_COOKIE_NAME].value
        assert client.post(LOGOUT, {}, HTTP_X_CSRFTOKEN=token).status_code == 204
        assert client.get(ME).status_code in (401, 403)

    def test_logout_revokes_refresh_token(self, anon_client, user):
        refresh = str(RefreshToken.for_user(user))
        assert anon_client.post(LOGOUT, {"refresh": refresh}).status_code == 204
        assert anon_client.post(REFRESH, {"refresh": refresh}).status_code == 401

    def test_logout_with_garbage_refresh_token(self, anon_client):
        response = anon_client.post(LOGOUT, {"refresh": "garbage"})
        assert response.status_code == 400
        assert error_attrs(response) == {"refresh"}


class TestThrottling:
    @pytest.fixture
    def tight_auth_rate(self, monkeypatch):
        from django.core.cache import cache

        cache.clear()
        monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
        yield
        cache.clear()

    @pytest.mark.parametrize("path", [TOKEN, SIGNUP])
    def test_auth_attempts_are_throttled(self, anon_client, tight_auth_rate, path):
        UserFactory(email="someone@example.com")
        codes = [
            anon_client.post(
                path, {"email": "someone@example.com", "password": "wrong"}
            ).status_code
            for _ in range(4)
        ]
        assert codes[:3] != [429] * 3 and codes[3] == 429
        response = anon_client.post(path, {"email": "someone@example.com", "password": "wrong"})
        assert response.json()["errors"][0]["code"] == "throttled"
        assert 0 < int(response["Retry-After"]) <= 60

    @pytest.mark.parametrize("path", [TOKEN, SIGNUP, REFRESH])
    def test_forged_forwarded_for_does_not_pick_the_bucket(
        self, anon_client, tight_auth_rate, path
    ):
        codes = [
            anon_client.post(
                path,
                {"email": "someone@example.com", "password": "wrong"},
                HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
            ).status_code
            for n in range(4)
        ]
        assert codes[3] == 429

    def test_behind_a_trusted_proxy_the_address_it_saw_picks_the_bucket(
        self, anon_client, tight_auth_rate, settings
    ):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

        def attempt(forwarded_for):
            body = {"email": "someone@example.com", "password": "wrong"}
            return anon_client.post(TOKEN, body, HTTP_X_FORWARDED_FOR=forwarded_for).status_code

        # The client writes the left part; the proxy appends the address it saw.
        assert [attempt(f"198.51.100.{n}, 203.0.113.7") for n in range(4)][3] == 429
        assert attempt("203.0.113.8") != 429


class TestAccountLockout:
    """Failed passwords on one account from many addresses lock that account for a while."""

    @pytest.fixture(autouse=True)
    def small_limit(self, settings):
        from django.core.cache import cache

        cache.clear()
        settings.AUTH_ACCOUNT_FAILURE_LIMIT = 3
        yield
        cache.clear()

    @staticmethod
    def token(email, password, address):
        return APIClient(REMOTE_ADDR=address).post(TOKEN, {"email": email, "password": password})

    def test_guesses_from_many_addresses_lock_the_account(self, user, other_user):
        codes = [self.token(user.email, "wrong", f"198.51.100.{n}").status_code for n in range(3)]
        assert codes == [401, 401, 401]
        locked = self.token(user.email.upper(), DEFAULT_PASSWORD, "198.51.100.9")
        assert locked.status_code == 429, "a right guess on a locked account must not pass"
        assert locked.json()["errors"][0]["code"] == "throttled"
        assert 0 < int(locked["Retry-After"]) <= settings.AUTH_ACCOUNT_LOCKOUT_S
        assert self.token(other_user.email, DEFAULT_PASSWORD, "198.51.100.9").status_code == 200

    def test_session_login_counts_and_is_locked_too(self, user):
        for n in range(3):
            self.token(user.email, "wrong", f"198.51.100.{n}")
        client = APIClient()
        response = client.post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 429

    def test_session_login_failures_lock_token_requests(self, user):
        for n in range(3):
            response = APIClient(REMOTE_ADDR=f"198.51.100.{n}").post(
                LOGIN, {"email": user.email, "password": "wrong"}
            )
            assert response.status_code == 400
        assert self.token(user.email, DEFAULT_PASSWORD, "198.51.100.9").status_code == 429

    def test_lock_ends_after_the_window(self, user, settings):
        settings.AUTH_ACCOUNT_LOCKOUT_S = 1
        for n in range(3):
            self.token(user.email, "wrong", f"198.51.100.{n}")
        assert self.token(user.email, DEFAULT_PASSWORD, "198.51.100.9").status_code == 429
        time.sleep(1.5)
        assert self.token(user.email, DEFAULT_PASSWORD, "198.51.100.9").status_code == 200

    def test_success_clears_earlier_failures(self, user):
        for n in range(2):
            self.token(user.email, "wrong", f"198.51.100.{n}")
        assert self.token(user.email, DEFAULT_PASSWORD, "198.51.100.5").status_code == 200
        for n in range(2):
            assert self.token(user.email, "wrong", f"198.51.100.{n}").status_code == 401
        assert self.token(user.email, DEFAULT_PASSWORD, "198.51.100.5").status_code == 200


class TestAuthenticationErrors:
    """Every 401 is one error with a code the schema's 401 enum lists (generated clients
    parse the body by the schema and fail on anything else)."""

    @pytest.fixture(scope="class")
    @classmethod
    def documented_codes(cls):
        from drf_spectacular.generators import SchemaGenerator

        schema = SchemaGenerator().get_schema(request=None, public=True)
        return set(schema["components"]["schemas"]["ErrorCode401Enum"]["enum"])

    def assert_one_documented_error(self, response, documented_codes, code):
        assert response.status_code == 401
        body = response.json()
        assert body["type"] == "client_error"
        assert len(body["errors"]) == 1, body
        assert body["errors"][0]["code"] == code
        assert body["errors"][0]["attr"] is None
        assert code in documented_codes

    def test_invalid_access_token(self, documented_codes):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Bearer garbage")
        response = client.get(ME)
        self.assert_one_documented_error(response, documented_codes, "token_not_valid")
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_expired_access_token(self, user, documented_codes):
        token = AccessToken.for_user(user)
        token.set_exp(lifetime=-timedelta(seconds=1))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assert_one_documented_error(client.get(ME), documented_codes, "token_not_valid")

    def test_invalid_refresh_token(self, anon_client, documented_codes):
        response = anon_client.post(REFRESH, {"refresh": "garbage"})
        self.assert_one_documented_error(response, documented_codes, "token_not_valid")

    def test_access_token_after_a_password_change(self, user, documented_codes):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
        user.set_password("a-brand-new-phrase-42")
        user.save()
        self.assert_one_documented_error(client.get(ME), documented_codes, "password_changed")

    def test_no_credentials(self, anon_client, documented_codes):
        response = anon_client.get(ME)
        self.assert_one_documented_error(response, documented_codes, "not_authenticated")

    def test_wrong_password_on_token(self, anon_client, user, documented_codes):
        response = anon_client.post(TOKEN, {"email": user.email, "password": "wrong"})
        self.assert_one_documented_error(response, documented_codes, "no_active_account")


def test_sign_up_locates_the_new_profile(anon_client):
    response = anon_client.post(
        SIGNUP, {"email": "located@example.com", "password": "a-Long-pass-phrase-9"}
    )
    assert response.status_code == 201
    assert response["Location"].endswith("/api/v1/me/")
