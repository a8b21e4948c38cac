"""The hand-off to the broker loses nothing: an analysis whose task never reached the broker
(it was down), or was lost with it, or whose worker stopped reporting, is sent again."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from kombu.exceptions import OperationalError

from tests.workouts.factories import WorkoutSessionFactory
from workouts.models import SessionStatus, WorkoutSession
from workouts.services import sessions_requeue_stuck

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(monkeypatch):
    """The task's delay(): records what reaches the broker, or fails while it is down."""

    class Broker:
        up = True
        received: list[int] = []

        def delay(self, session_id):
            if not self.up:
                raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Refused.")
            self.received.append(session_id)

    fake = Broker()
    fake.received = []
    monkeypatch.setattr("workouts.tasks.analyze_session.delay", fake.delay)
    return fake


def age(session, **since):
    """Moves the session's clocks back (update() leaves auto_now alone)."""
    ago = timezone.now() - timedelta(**since)
    WorkoutSession.objects.filter(pk=session.pk).update(updated_at=ago, enqueued_at=ago)


def test_an_upload_while_the_broker_is_down_is_kept_and_sent_later(
    api, synthetic_video, broker, django_capture_on_commit_callbacks
):
    broker.up = False
    with django_capture_on_commit_callbacks(execute=True):
        video = SimpleUploadedFile("w.mp4", synthetic_video.read_bytes())
        response = api.post("/api/v1/sessions/", {"video": video}, format="multipart")
    assert response.status_code == 201, response.content
    session = WorkoutSession.objects.get(pk=response.json()["id"])
    assert (session.status, session.enqueued_at) == (SessionStatus.PENDING, None)
    assert sessions_requeue_stuck() == 0  # a send may still be in flight for 30 s
    WorkoutSession.objects.filter(pk=session.pk).update(
        updated_at=timezone.now() - timedelta(minutes=1)
    )
    assert sessions_requeue_stuck() == 0  # the broker is still down: nothing reaches it
    broker.up = True
    assert sessions_requeue_stuck() == 1
    assert broker.received == [session.id]
    assert WorkoutSession.objects.get(pk=session.pk).enqueued_at is not None


def test_a_message_lost_with_the_broker_is_sent_again_once_per_period(broker, settings):
    waiting = WorkoutSessionFactory(status=SessionStatus.PENDING)
    age(waiting, seconds=settings.WORKOUTS_REQUEUE_PENDING_AFTER_S + 5)
    fresh = WorkoutSessionFactory(status=SessionStatus.PENDING)
    age(fresh, seconds=settings.WORKOUTS_REQUEUE_PENDING_AFTER_S - 60)
    assert sessions_requeue_stuck() == 1
    assert sessions_requeue_stuck() == 0  # sent again: it waits another period
    assert broker.received == [waiting.id]


def test_a_run_whose_worker_stopped_reporting_is_sent_again(broker, settings):
    silent = WorkoutSessionFactory(status=SessionStatus.PROCESSING)
    age(silent, seconds=settings.WORKOUTS_REQUEUE_PROCESSING_AFTER_S + 5)
    busy = WorkoutSessionFactory(status=SessionStatus.PROCESSING)
    age(busy, seconds=60)
    assert sessions_requeue_stuck() == 1
    assert broker.received == [silent.id]


@pytest.mark.parametrize("status", [SessionStatus.DONE, SessionStatus.FAILED, SessionStatus.LIVE])
def test_finished_and_live_sessions_are_never_sent(broker, status):
    session = WorkoutSessionFactory(status=status)
    age(session, days=2)
    assert sessions_requeue_stuck() == 0


def test_reanalyse_recovers_a_stuck_session_and_refuses_a_waiting_one(
    api, user, broker, settings, django_capture_on_commit_callbacks
):
    stuck = WorkoutSessionFactory(user=user, status=SessionStatus.PENDING)
    age(stuck, seconds=settings.WORKOUTS_REQUEUE_PENDING_AFTER_S + 5)
    waiting = WorkoutSessionFactory(user=user, status=SessionStatus.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        recovered = api.post(f"/api/v1/sessions/{stuck.id}/reanalyse/")
    assert recovered.status_code == 202
    assert broker.received == [stuck.id]
    assert api.post(f"/api/v1/sessions/{waiting.id}/reanalyse/").status_code == 409


def test_the_task_skips_a_session_already_analysed():
    from workouts.tasks import analyze_session

    session = WorkoutSessionFactory(status=SessionStatus.DONE)
    assert analyze_session(session.id) == "skipped"
