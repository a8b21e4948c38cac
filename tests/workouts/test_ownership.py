"""Another user's session is 404 through every endpoint, and nothing of it changes."""

import pytest

from tests.workouts.factories import BoutFactory, WorkoutSessionFactory
from workouts.models import SessionStatus, WorkoutSession

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"


@pytest.fixture
def owners_session(user):
    session = WorkoutSessionFactory(user=user, title="Mine", status=SessionStatus.FAILED)
    BoutFactory(session=session)
    return session


@pytest.fixture
def intruder(client_for, other_user):
    return client_for(other_user)


@pytest.mark.parametrize(
    "method, suffix, payload",
    [
        ("get", "", None),
        ("patch", "", {"title": "Hacked"}),
        ("delete", "", None),
        ("get", "video/", None),
        ("post", "reanalyse/", None),
    ],
)
def test_other_users_session_is_404(intruder, owners_session, method, suffix, payload):
    response = getattr(intruder, method)(f"{SESSIONS}{owners_session.id}/{suffix}", payload)
    assert response.status_code == 404
    owners_session.refresh_from_db()
    assert owners_session.title == "Mine" and owners_session.status == SessionStatus.FAILED
    assert owners_session.bouts.count() == 1


def test_other_users_sessions_are_not_listed(intruder, owners_session):
    assert intruder.get(SESSIONS).json()["count"] == 0
    assert intruder.get(SESSIONS, {"exercise": "squat"}).json()["count"] == 0


def test_upload_ignores_user_in_payload(intruder, user, other_user, synthetic_video, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    monkeypatch.setattr("workouts.tasks.analyze_session.delay", lambda session_id: None)
    video = SimpleUploadedFile("w.mp4", synthetic_video.read_bytes())
    response = intruder.post(SESSIONS, {"video": video, "user": user.id}, format="multipart")
    assert response.status_code == 201
    assert WorkoutSession.objects.get(pk=response.json()["id"]).user == other_user
