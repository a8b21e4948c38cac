"""Sessions and statistics revalidate from the user's change stamp: 304 without reading
the data while nothing changed, a new answer as soon as anything did; statistics are
computed once per change."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.workouts.factories import BoutFactory, WorkoutSessionFactory
from workouts import services
from workouts.models import Bout, SessionStatus

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"
TIMELINE = "/api/v1/stats/timeline/?period=week&start=2024-01-01&end=2024-12-31"
RECORDS = "/api/v1/stats/records/"
STREAKS = "/api/v1/stats/streaks/?tz=Europe/Berlin"


@pytest.fixture
def session(user):
    session = WorkoutSessionFactory(user=user, started_at=datetime(2024, 5, 6, 7, tzinfo=UTC))
    BoutFactory(session=session, exercise="squat", reps=12)
    return session


def data_queries(api, url, **headers):
    """The answer, and the queries it made of workout data."""
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, **headers)
    return response, [q["sql"] for q in queries if "workouts_" in q["sql"]]


@pytest.mark.parametrize("url", [SESSIONS, "detail", TIMELINE, RECORDS, STREAKS])
def test_unchanged_answers_304_without_reading_the_data(api, session, url):
    url = f"{SESSIONS}{session.pk}/" if url == "detail" else url
    first = api.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert first.status_code == 200  # its ETag weakened by gzip (W/) where it compressed
    again, queries = data_queries(api, url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"].strip('W/"') == first["ETag"].strip('W/"')
    assert queries == []


@pytest.mark.parametrize("url", [SESSIONS, "detail", TIMELINE, RECORDS])
def test_any_change_gives_a_new_answer(api, user, session, url):
    url = f"{SESSIONS}{session.pk}/" if url == "detail" else url
    etag = api.get(url)["ETag"]
    # A change made elsewhere (a worker), by a queryset update that no signal sees.
    Bout.objects.filter(session=session).update(reps=30)
    changed = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_progress_of_an_analysis_shows_at_once(api, user):
    running = WorkoutSessionFactory(user=user, status=SessionStatus.PROCESSING, progress=0.1)
    etag = api.get(SESSIONS)["ETag"]
    services.session_set_progress(session_id=running.pk, fraction=0.6)
    changed = api.get(SESSIONS, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json()["results"][0]["progress"] == 0.6


def test_each_user_and_url_has_its_own_tag(api, client_for, other_user, session):
    etag = api.get(SESSIONS)["ETag"]
    assert client_for(other_user).get(SESSIONS, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert api.get(SESSIONS + "?page_size=1", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_another_users_session_stays_404_whatever_is_asked(client_for, other_user, session):
    response = client_for(other_user).get(f"{SESSIONS}{session.pk}/", HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 404


def test_statistics_are_computed_once_per_change(api, user, session):
    first, queries = data_queries(api, RECORDS)
    assert queries  # computed
    again, queries = data_queries(api, RECORDS)
    assert queries == [] and again.content == first.content  # from the cache
    BoutFactory(session=session, exercise="squat", reps=40, position=98)
    changed = api.get(RECORDS).json()
    assert changed["most_reps"] == [{"exercise": "squat", "reps": 40, "session_id": session.pk}]


def test_statistics_move_with_the_date(api, user, monkeypatch):
    now = timezone.now()
    WorkoutSessionFactory(user=user, started_at=now - timedelta(hours=1))
    today = api.get(STREAKS)
    assert today.json()["current_days"] == 1
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(days=3))
    later = api.get(STREAKS, HTTP_IF_NONE_MATCH=today["ETag"])
    assert later.status_code == 200 and later.json()["current_days"] == 0
