"""Video retention: videos go after the user's chosen period; results always stay."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import UserFactory
from tests.workouts.factories import BoutFactory, WorkoutSessionFactory
from workouts.analysis import run_session_analysis
from workouts.models import SessionStatus, WorkoutSession
from workouts.tasks import purge_expired_videos

pytestmark = pytest.mark.django_db


def uploaded_days_ago(user, days, **kwargs):
    session = WorkoutSessionFactory(user=user, **kwargs)
    BoutFactory(session=session)
    WorkoutSession.objects.filter(pk=session.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )
    return session


def test_purge_deletes_only_expired_finished_videos(django_capture_on_commit_callbacks):
    weekly = UserFactory(video_retention_days=7)
    keeper = UserFactory(video_retention_days=None)
    expired = uploaded_days_ago(weekly, 8)
    expired_failed = uploaded_days_ago(weekly, 30, status=SessionStatus.FAILED)
    fresh = uploaded_days_ago(weekly, 6)
    waiting = uploaded_days_ago(weekly, 8, status=SessionStatus.PENDING)
    kept_forever = uploaded_days_ago(keeper, 400)
    expired_file = Path(expired.video.path)

    with django_capture_on_commit_callbacks(execute=True):
        assert purge_expired_videos() == 2

    for session in (expired, expired_failed, fresh, waiting, kept_forever):
        session.refresh_from_db()
    assert not expired.has_video and not expired_failed.has_video
    assert expired.video_deleted_at is not None and not expired_file.exists()
    assert expired.bouts.count() == 1  # results stay
    assert fresh.has_video and waiting.has_video and kept_forever.has_video
    assert purge_expired_videos() == 0  # nothing left to do the second time


def test_zero_days_deletes_the_video_once_analysed(
    fake_engine,
    pending_session,
    django_capture_on_commit_callbacks,
):
    pending_session.user.video_retention_days = 0
    pending_session.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        run_session_analysis(session_id=pending_session.id)
    pending_session.refresh_from_db()
    assert pending_session.status == SessionStatus.DONE and not pending_session.has_video
    assert pending_session.bouts.count() == 2


@pytest.mark.parametrize(
    "value, status", [(0, 200), (30, 200), (None, 200), (-1, 400), (3651, 400), ("weekly", 400)]
)
def test_retention_setting_on_the_profile(api, value, status):
    response = api.patch("/api/v1/me/", {"video_retention_days": value})
    assert response.status_code == status
    if status == 200:
        assert response.json()["video_retention_days"] == value
