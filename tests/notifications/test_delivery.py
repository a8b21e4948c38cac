"""Webhook deliveries for real: a Celery worker process POSTs to an HTTP server listening
in this test process, which checks the signature as docs/webhooks.md tells receivers to."""

import json
import time

import pytest
from django.db import transaction
from django.test import override_settings

from notifications import services, signing
from notifications.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.factories import UserFactory
from tests.notifications.receiver import receiving
from tests.workers import running_worker

pytestmark = pytest.mark.django_db(transaction=True)

SUMMARY = {"id": 41, "status": "done", "total_reps": 12}


def record_event(user, status="done"):
    with transaction.atomic():  # sent once this commits, as after an analysis
        return services.event_record_session_finished(
            user_id=user.pk, session_id=41, status=status, session=SUMMARY
        )


def wait_for_delivery(endpoint, status, timeout_s=90) -> WebhookDelivery:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        delivery = WebhookDelivery.objects.filter(endpoint=endpoint).first()
        if delivery is not None and delivery.status == status:
            return delivery
        time.sleep(0.1)
    raise AssertionError(
        f"no {status} delivery within {timeout_s}s: {delivery and delivery.__dict__}"
    )


@pytest.mark.slow
def test_a_worker_delivers_a_signed_event_then_retries_a_failing_receiver():
    user = UserFactory()
    with receiving(answers=[200]) as ok_receiver, receiving(answers=[503, 200]) as flaky:
        hooks = [
            WebhookEndpoint.objects.create(user=user, url=r.url, secret=signing.new_secret())
            for r in (ok_receiver, flaky)
        ]
        with running_worker(queues="celery"):
            event = record_event(user)
            delivered = wait_for_delivery(hooks[0], DeliveryStatus.SUCCEEDED)
            retried = wait_for_delivery(hooks[1], DeliveryStatus.SUCCEEDED)

    [first] = ok_receiver.received
    assert first.path == "/hooks/coach?team=1"
    assert first.headers["Content-Type"] == "application/json"
    assert first.headers[signing.ID_HEADER] == str(event.uuid)
    # What a receiver does: the signature over timestamp and body, with the secret.
    assert signing.verify(hooks[0].secret, first.body, first.headers, now=time.time())
    assert not signing.verify(hooks[1].secret, first.body, first.headers, now=time.time())
    assert not signing.verify(hooks[0].secret, first.body + b" ", first.headers, now=time.time())
    assert not signing.verify(hooks[0].secret, first.body, first.headers, now=time.time() + 3600)
    assert json.loads(first.body) == {
        "id": str(event.uuid),
        "type": "session.done",
        "created_at": event.payload["created_at"],
        "session": SUMMARY,
    }
    assert (delivered.attempts, delivered.last_status_code, delivered.last_error) == (1, 200, "")
    assert delivered.delivered_at is not None

    # The flaky receiver answered 503, then 200 to the retry: two signed POSTs of one event.
    assert len(flaky.received) == 2
    assert {r.headers[signing.ID_HEADER] for r in flaky.received} == {str(event.uuid)}
    assert all(
        signing.verify(hooks[1].secret, r.body, r.headers, now=time.time()) for r in flaky.received
    )
    assert (retried.attempts, retried.last_status_code, retried.last_error) == (2, 200, "")


@override_settings(NOTIFICATIONS_WEBHOOK_MAX_ATTEMPTS=3)
def test_a_receiver_that_keeps_failing_is_given_up_with_its_last_error(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with receiving(answers=[500]) as receiver:
        hook = WebhookEndpoint.objects.create(user=user, url=receiver.url, secret="s")
        with django_capture_on_commit_callbacks(execute=False):
            record_event(user, status="failed")
        delivery = WebhookDelivery.objects.get()
        waits = [services.delivery_attempt(delivery_id=delivery.pk) for _ in range(4)]
    assert waits[:2] == [services.backoff_s(1), services.backoff_s(2)] and waits[2:] == [None, None]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert (delivery.attempts, delivery.last_status_code) == (3, 500)
    assert delivery.last_error == "The receiver answered 500."
    assert len(receiver.received) == 3
    assert hook.deliveries.count() == 1


def test_backoff_doubles_up_to_an_hour():
    with override_settings(NOTIFICATIONS_WEBHOOK_BACKOFF_S=30):
        assert [services.backoff_s(n) for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_an_unreachable_receiver_is_logged_as_an_error():
    user = UserFactory()
    with receiving() as receiver:
        url = receiver.url  # closed when the block ends: nothing listens there any more
    hook = WebhookEndpoint.objects.create(user=user, url=url, secret="s")
    record_event_without_sending(user)
    delivery = WebhookDelivery.objects.get(endpoint=hook)
    assert services.delivery_attempt(delivery_id=delivery.pk) == services.backoff_s(1)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_status_code is None
    assert "ConnectionRefusedError" in delivery.last_error


def test_a_private_address_is_refused_again_when_sending():
    """Registered while allowed (or a name that now resolves inside): no request goes out."""
    user = UserFactory()
    with receiving() as receiver:
        hook = WebhookEndpoint.objects.create(user=user, url=receiver.url, secret="s")
        record_event_without_sending(user)
        delivery = WebhookDelivery.objects.get(endpoint=hook)
        with override_settings(NOTIFICATIONS_ALLOW_PRIVATE_URLS=False):
            services.delivery_attempt(delivery_id=delivery.pk)
        assert receiver.received == []
    delivery.refresh_from_db()
    assert "private, loopback or reserved" in delivery.last_error


def record_event_without_sending(user):
    from unittest import mock

    with mock.patch.object(services, "_send_deliveries"):
        record_event(user)


def test_a_deleted_webhook_drops_its_pending_deliveries():
    user = UserFactory()
    hook = WebhookEndpoint.objects.create(user=user, url="https://93.184.216.34/", secret="s")
    record_event_without_sending(user)
    delivery = WebhookDelivery.objects.get()
    services.webhook_delete(endpoint=hook)
    assert services.delivery_attempt(delivery_id=delivery.pk) is None
