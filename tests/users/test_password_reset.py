import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

RESET = "/api/v1/auth/password-reset/"
CONFIRM = "/api/v1/auth/password-reset/confirm/"
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
ME = "/api/v1/me/"
NEW_PASSWORD = "a-brand-new-phrase-42"


def code_in(body: str) -> dict:
    return {
        "uid": re.search(r"uid: (\S+)", body).group(1),
        "token": re.search(r"token: (\S+)", body).group(1),
    }


def ask_for_reset(email: str) -> dict:
    response = APIClient().post(RESET, {"email": email})
    assert response.status_code == 202
    return response.json()


class TestRequest:
    def test_unknown_address_answers_the_same_and_sends_nothing(self, user):
        assert ask_for_reset("nobody@example.com") == ask_for_reset(user.email.upper())
        assert [m.to for m in mail.outbox] == [[user.email]]

    def test_inactive_account_gets_no_mail(self, user):
        user.is_active = False
        user.save()
        ask_for_reset(user.email)
        assert mail.outbox == []

    def test_malformed_address_is_a_clear_400(self, anon_client):
        response = anon_client.post(RESET, {"email": "not an address"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "email"


class TestConfirm:
    def test_reset_end_to_end_revokes_earlier_tokens(self, user):
        old = APIClient().post(TOKEN, {"email": user.email, "password": DEFAULT_PASSWORD}).json()
        ask_for_reset(user.email)
        code = code_in(mail.outbox[0].body)
        response = APIClient().post(CONFIRM, {**code, "new_password": NEW_PASSWORD})
        assert response.status_code == 204
        login = APIClient().post(TOKEN, {"email": user.email, "password": NEW_PASSWORD})
        assert login.status_code == 200
        assert APIClient().post(REFRESH, {"refresh": old["refresh"]}).status_code == 401
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {old['access']}")
        assert client.get(ME).status_code == 401

    def test_a_code_works_once(self, user):
        ask_for_reset(user.email)
        code = code_in(mail.outbox[0].body)
        assert APIClient().post(CONFIRM, {**code, "new_password": NEW_PASSWORD}).status_code == 204
        again = APIClient().post(CONFIRM, {**code, "new_password": "yet-another-phrase-7"})
        assert again.status_code == 400
        assert again.json()["errors"][0] == {
            "code": "invalid",
            "detail": "This reset code is invalid, used or expired. Ask for a new one.",
            "attr": "token",
        }

    def test_an_expired_code_is_refused(self, user, settings):
        ask_for_reset(user.email)
        code = code_in(mail.outbox[0].body)
        settings.PASSWORD_RESET_TIMEOUT = -1
        response = APIClient().post(CONFIRM, {**code, "new_password": NEW_PASSWORD})
        assert response.status_code == 400
        assert user.__class__.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)

    @pytest.mark.parametrize("uid", ["garbage", "MTAwMDAwMDA", "", "!!"])
    def test_a_forged_uid_is_refused(self, user, uid):
        ask_for_reset(user.email)
        code = {**code_in(mail.outbox[0].body), "uid": uid}
        response = APIClient().post(CONFIRM, {**code, "new_password": NEW_PASSWORD})
        assert response.status_code == 400

    def test_a_weak_new_password_is_refused_and_the_code_still_works(self, user):
        ask_for_reset(user.email)
        code = code_in(mail.outbox[0].body)
        weak = APIClient().post(CONFIRM, {**code, "new_password": "12345678"})
        assert weak.status_code == 400
        assert {e["attr"] for e in weak.json()["errors"]} == {"new_password"}
        assert APIClient().post(CONFIRM, {**code, "new_password": NEW_PASSWORD}).status_code == 204


def test_the_default_backend_writes_the_mail_to_a_file(user, settings, tmp_path):
    """`make run` has no mail server: the e-mail lands in a file the developer can open."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    ask_for_reset(user.email)
    (written,) = tmp_path.iterdir()
    code = code_in(written.read_text())
    assert APIClient().post(CONFIRM, {**code, "new_password": NEW_PASSWORD}).status_code == 204


def test_the_link_is_e_mailed_when_configured(user, settings):
    settings.PASSWORD_RESET_URL = "https://coach.example.com/reset?uid={uid}&token={token}"
    ask_for_reset(user.email)
    code = code_in(mail.outbox[0].body)
    assert f"https://coach.example.com/reset?uid={code['uid']}&token={code['token']}" in (
        mail.outbox[0].body
    )
