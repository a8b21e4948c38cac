"""Registering webhooks over REST: the secret shown once, URLs the server must not call
refused, and every endpoint scoped to its owner."""

import json

import pytest
from django.test import override_settings

from notifications.models import WebhookEndpoint
from notifications.services import event_record_session_finished
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WEBHOOKS = "/api/v1/webhooks/"
PUBLIC_URL = "https://93.184.216.34/coach-hooks"  # a literal public address: no DNS needed


def codes(response) -> list[str]:
    return [error["code"] for error in response.json()["errors"]]


def test_the_secret_is_shown_once_at_creation(api):
    created = api.post(WEBHOOKS, {"url": PUBLIC_URL, "description": "team"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert created["Location"].endswith(f"{WEBHOOKS}{body['id']}/")
    assert (body["url"], body["description"]) == (PUBLIC_URL, "team")
    listed = api.get(WEBHOOKS).json()["results"]
    assert [hook["id"] for hook in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert "secret" not in api.get(f"{WEBHOOKS}{body['id']}/").json()


@pytest.mark.parametrize(
    "url",
    ["ftp://93.184.216.34/x", "file:///etc/passwd", "javascript:alert(1)", "gopher://a.b/"],
)
def test_only_http_urls_are_taken(api, url):
    response = api.post(WEBHOOKS, {"url": url}, format="json")
    assert response.status_code == 400
    assert codes(response) == ["unsupported_scheme"]
    assert not WebhookEndpoint.objects.exists()


def test_credentials_in_the_url_are_refused(api):
    response = api.post(WEBHOOKS, {"url": "https://me:pw@93.184.216.34/"}, format="json")
    assert codes(response) == ["credentials_in_url"]


@override_settings(NOTIFICATIONS_ALLOW_PRIVATE_URLS=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/admin/",
        "http://localhost/",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
    ],
)
def test_private_and_loopback_addresses_are_refused_by_default(api, url):
    response = api.post(WEBHOOKS, {"url": url}, format="json")
    assert response.status_code == 400, response.json()
    assert codes(response) == ["private_address"]


@override_settings(NOTIFICATIONS_ALLOW_PRIVATE_URLS=False)
def test_a_public_address_is_taken_by_default(api):
    assert api.post(WEBHOOKS, {"url": PUBLIC_URL}, format="json").status_code == 201


def test_a_host_that_does_not_resolve_is_refused(api):
    response = api.post(WEBHOOKS, {"url": "https://no-such-host.invalid/"}, format="json")
    assert codes(response) == ["unresolvable_host"]


def test_a_malformed_url_is_refused(api):
    response = api.post(WEBHOOKS, {"url": "http://"}, format="json")
    assert response.status_code == 400


def test_delete(api, user):
    hook = api.post(WEBHOOKS, {"url": PUBLIC_URL}, format="json").json()
    assert api.delete(f"{WEBHOOKS}{hook['id']}/").status_code == 204
    assert not WebhookEndpoint.objects.filter(user=user).exists()


def test_another_users_webhooks_answer_404(api, client_for):
    hook = api.post(WEBHOOKS, {"url": PUBLIC_URL}, format="json").json()
    intruder = client_for(UserFactory())
    for path in (f"{WEBHOOKS}{hook['id']}/", f"{WEBHOOKS}{hook['id']}/deliveries/"):
        assert intruder.get(path).status_code == 404
    assert intruder.delete(f"{WEBHOOKS}{hook['id']}/").status_code == 404
    assert intruder.get(WEBHOOKS).json()["results"] == []
    assert WebhookEndpoint.objects.filter(pk=hook["id"]).exists()


def test_anonymous_clients_are_refused(anon_client):
    assert anon_client.get(WEBHOOKS).status_code == 401
    assert anon_client.post(WEBHOOKS, {"url": PUBLIC_URL}, format="json").status_code == 401


def test_the_delivery_log_lists_each_event_sent_to_the_webhook(
    api, user, django_capture_on_commit_callbacks
):
    hook = api.post(WEBHOOKS, {"url": PUBLIC_URL}, format="json").json()
    with django_capture_on_commit_callbacks(execute=False):  # not sent: logged as pending
        event = event_record_session_finished(
            user_id=user.pk, session_id=7, status="failed", session={"id": 7}
        )
    log = api.get(f"{WEBHOOKS}{hook['id']}/deliveries/").json()
    assert log["count"] == 1
    entry = log["results"][0]
    assert entry["event"] == str(event.uuid)
    assert (entry["event_type"], entry["session"], entry["status"]) == (
        "session.failed",
        7,
        "pending",
    )
    assert (entry["attempts"], entry["last_status_code"], entry["last_error"]) == (0, None, "")


def test_the_data_export_has_the_webhooks_without_their_secrets(api, user):
    hook = api.post(WEBHOOKS, {"url": PUBLIC_URL}, format="json").json()
    exported = api.get("/api/v1/me/export/").json()["webhooks"]
    assert exported == [
        {
            "id": hook["id"],
            "url": PUBLIC_URL,
            "description": "",
            "created_at": hook["created_at"],
            "deliveries": [],
        }
    ]
    assert hook["secret"] not in json.dumps(exported)
