"""An event is recorded when an analysis finishes or fails, with a delivery per webhook of
the user, and recording it can never fail the analysis."""

import logging

import pytest

from notifications import services
from notifications.models import Event, WebhookDelivery, WebhookEndpoint
from tests.factories import UserFactory
from workouts.analysis import run_session_analysis
from workouts.models import SessionStatus
from workouts.services import session_mark_failed

pytestmark = pytest.mark.django_db


def test_a_finished_analysis_records_session_done(fake_engine, pending_session):
    assert run_session_analysis(session_id=pending_session.pk) == "done"
    event = Event.objects.get()
    assert (event.user_id, event.type, event.session_id) == (
        pending_session.user_id,
        "session.done",
        pending_session.pk,
    )
    payload = event.payload
    assert payload["id"] == str(event.uuid) and payload["type"] == "session.done"
    session = payload["session"]
    assert (session["id"], session["status"], session["total_reps"]) == (
        pending_session.pk,
        "done",
        2,
    )
    assert session["reps_by_exercise"] == {"squat": 2}
    assert session["total_kcal"] == 12.0 and session["error_code"] == ""


def test_a_failed_analysis_records_session_failed(pending_session):
    session_mark_failed(session=pending_session, code="unreadable_video", message="No frames.")
    event = Event.objects.get()
    assert event.type == "session.failed"
    assert event.payload["session"]["status"] == "failed"
    assert event.payload["session"]["error_code"] == "unreadable_video"
    assert event.payload["session"]["error_message"] == "No frames."


def test_a_deleted_session_records_nothing(pending_session):
    pending_session.delete()
    session_mark_failed(session=pending_session, code="internal_error", message="x")
    assert not Event.objects.exists()


def test_each_webhook_of_the_user_gets_a_delivery(fake_engine, pending_session):
    owner_hooks = [
        WebhookEndpoint.objects.create(user=pending_session.user, url=f"https://93.184.216.34/{i}")
        for i in range(2)
    ]
    WebhookEndpoint.objects.create(user=UserFactory(), url="https://93.184.216.34/other")
    run_session_analysis(session_id=pending_session.pk)
    deliveries = WebhookDelivery.objects.all()
    assert sorted(d.endpoint_id for d in deliveries) == sorted(h.pk for h in owner_hooks)
    assert {d.event.type for d in deliveries} == {"session.done"}


def test_a_notification_that_cannot_be_recorded_leaves_the_analysis_done(
    fake_engine, pending_session, monkeypatch, caplog
):
    def broken(**kwargs):
        Event.objects.create(user_id=None, type="session.done", session_id=0, payload={})

    monkeypatch.setattr(services, "event_record_session_finished", broken)
    with caplog.at_level(logging.ERROR, logger="workouts.events"):
        assert run_session_analysis(session_id=pending_session.pk) == "done"
    pending_session.refresh_from_db()
    assert pending_session.status == SessionStatus.DONE
    assert pending_session.bouts.count() == 2
    assert not Event.objects.exists()
    assert "a receiver failed on its end of analysis" in caplog.text
