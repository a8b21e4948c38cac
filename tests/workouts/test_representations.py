"""Sessions built from plain rows read the same to the byte as the serializers write them:
the list, one session, and the API answers that use them."""

from datetime import UTC, datetime, timedelta, timezone

import factory
import pytest
from rest_framework.renderers import JSONRenderer

from tests.workouts.conftest import engine_result
from tests.workouts.factories import BoutFactory, WorkoutSessionFactory
from workouts import representations, selectors
from workouts.models import SessionSource, SessionStatus, WorkoutSession
from workouts.serializers import SessionDetailSerializer, SessionSerializer

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"
render = JSONRenderer().render


@pytest.fixture
def assorted_sessions(user):
    """Every shape a session takes: analysed, live and waiting, failed, video gone, results
    from older analyses, odd text and times."""
    analysed = WorkoutSessionFactory(
        user=user,
        title='Beine – 💪 "hard"',
        notes="line one\nline two",
        started_at=datetime(2024, 3, 1, 7, 30, 12, 345678, tzinfo=timezone(timedelta(hours=1))),
        total_kcal=123.456,
        active_s=1500,
        total_reps=42,
        result=engine_result({}).to_dict(),
        body_metrics={"weight_kg": 70, "height_cm": 170.5, "age": 34, "sex": "female"},
        model_version="fake-engine@v1",
        analysed_at=datetime(2024, 3, 1, 8, 0, tzinfo=UTC),
        thumbnail=factory.django.FileField(filename="poster.jpg", data=b"\xff\xd8\xff"),
    )
    BoutFactory(session=analysed, position=0, reps=3, rep_times_s=[[1, 2], [3.5, 4]])
    BoutFactory(
        session=analysed,
        position=1,
        exercise="plank",
        reps=0,
        rep_times_s=[],
        hold_s=30,
        count_confidence=None,
    )
    BoutFactory(session=analysed, position=2, count_confidence=0.25)
    live = WorkoutSessionFactory(
        user=user,
        source=SessionSource.LIVE,
        status=SessionStatus.PENDING,
        progress=0,
        video="",
        duration_s=None,
        started_at=datetime(2024, 3, 2, 7, tzinfo=UTC),
    )
    failed = WorkoutSessionFactory(
        user=user,
        status=SessionStatus.FAILED,
        error_code="unreadable_video",
        error_message="Not a video.",
        result={"duration_s": 1.0},  # an older result without totals
        body_metrics={"weight_kg": 81.5, "defaulted": ["height_cm"]},
        started_at=datetime(2024, 3, 3, 7, tzinfo=UTC),
    )
    video_gone = WorkoutSessionFactory(
        user=user,
        video="",
        video_deleted_at=datetime(2024, 3, 5, tzinfo=UTC),
        result={"totals": {}},
        body_metrics={},
        started_at=datetime(2024, 3, 4, 7, tzinfo=UTC),
    )
    return [analysed, live, failed, video_gone]


def test_list_rows_read_as_the_serializer_writes_them(user, assorted_sessions):
    sessions = selectors.session_list(user=user)
    expected = render(SessionSerializer(sessions, many=True).data)
    rows = selectors.session_rows(sessions)
    assert render(representations.sessions(rows)) == expected


def test_one_session_reads_as_the_detail_serializer_writes_it(user, assorted_sessions):
    for session in assorted_sessions:
        session = WorkoutSession.objects.get(pk=session.pk)
        rows = selectors.session_detail_rows(selectors.session_list(user=user), session.pk)
        expected = render(SessionDetailSerializer(session).data)
        assert render(representations.session_detail(*rows)) == expected


def test_the_api_answers_are_the_serializers_bytes(api, user, assorted_sessions):
    sessions = selectors.session_list(user=user)
    listed = api.get(SESSIONS, {"page": 1})
    assert listed.content == render(
        {
            "count": 4,
            "next": None,
            "previous": None,
            "results": SessionSerializer(sessions, many=True).data,
        }
    )
    for session in sessions:
        answer = api.get(f"{SESSIONS}{session.pk}/")
        assert answer.content == render(SessionDetailSerializer(session).data)
