"""Statistics: buckets in the user's time zone, records, streaks; other users never count."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from tests.workouts.factories import BoutFactory, WorkoutSessionFactory
from workouts.models import SessionStatus
from workouts.stats import selectors

pytestmark = pytest.mark.django_db

TIMELINE = "/api/v1/stats/timeline/"


def workout(user, when, *, kcal=10.0, active_s=600.0, bouts=(("squat", 10),), **kwargs):
    session = WorkoutSessionFactory(
        user=user, started_at=when, total_kcal=kcal, active_s=active_s, **kwargs
    )
    for position, (exercise, reps) in enumerate(bouts):
        static = exercise == "plank"  # for a hold, the number given is tens of seconds
        BoutFactory(
            session=session,
            exercise=exercise,
            position=position,
            reps=0 if static else reps,
            hold_s=reps * 10.0 if static else None,
        )
    return session


def test_daily_buckets_follow_the_time_zone(api, user, other_user):
    # 23:30 UTC on 1 March is already 2 March in Berlin (UTC+1).
    workout(user, datetime(2024, 3, 1, 23, 30, tzinfo=UTC), kcal=30, bouts=[("squat", 12)])
    workout(
        user, datetime(2024, 3, 2, 9, 0, tzinfo=UTC), kcal=20, bouts=[("squat", 8), ("push_up", 5)]
    )
    workout(other_user, datetime(2024, 3, 2, 9, 0, tzinfo=UTC), kcal=999)
    workout(user, datetime(2024, 3, 2, 10, 0, tzinfo=UTC), status=SessionStatus.FAILED)
    params = {"period": "day", "start": "2024-03-01", "end": "2024-03-03"}

    utc = api.get(TIMELINE, params).json()
    assert [(b["start"], b["sessions"], b["kcal"]) for b in utc["buckets"]] == [
        ("2024-03-01", 1, 30.0),
        ("2024-03-02", 1, 20.0),
    ]

    berlin = api.get(TIMELINE, {**params, "tz": "Europe/Berlin"}).json()
    assert [(b["start"], b["sessions"], b["kcal"]) for b in berlin["buckets"]] == [
        ("2024-03-02", 2, 50.0)
    ]
    assert berlin["buckets"][0]["reps"] == {"squat": 20, "push_up": 5}
    assert berlin["buckets"][0]["active_minutes"] == 20.0


def test_weekly_and_monthly_buckets(api, user):
    for day in (4, 6, 12):  # Monday 4 March, Wednesday 6 March, Tuesday 12 March 2024
        workout(user, datetime(2024, 3, day, 12, tzinfo=UTC), kcal=10)
    weeks = api.get(TIMELINE, {"period": "week", "start": "2024-03-01", "end": "2024-03-31"})
    assert [(b["start"], b["sessions"]) for b in weeks.json()["buckets"]] == [
        ("2024-03-04", 2),
        ("2024-03-11", 1),
    ]
    months = api.get(TIMELINE, {"period": "month", "start": "2024-01-01", "end": "2024-12-31"})
    assert [(b["start"], b["kcal"]) for b in months.json()["buckets"]] == [("2024-03-01", 30.0)]


def test_default_range_is_recent(api, user):
    workout(user, timezone.now() - timedelta(days=2))
    workout(user, timezone.now() - timedelta(days=400))
    body = api.get(TIMELINE, {"period": "day"}).json()
    assert len(body["buckets"]) == 1


@pytest.mark.parametrize(
    "params, attr",
    [
        ({"tz": "Mars/Olympus_Mons"}, "tz"),
        ({"tz": "../../etc/passwd"}, "tz"),
        ({"period": "fortnight"}, "period"),
        ({"start": "2024-05-01", "end": "2024-04-01"}, "start"),
        ({"start": "1900-01-01", "end": "2024-01-01"}, "start"),
        ({"end": "soon"}, "end"),
    ],
)
def test_bad_parameters(api, params, attr):
    response = api.get(TIMELINE, params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == attr


def test_personal_records(api, user, other_user):
    first = workout(user, datetime(2024, 1, 1, tzinfo=UTC), bouts=[("squat", 15), ("plank", 3)])
    workout(
        user, datetime(2024, 2, 1, tzinfo=UTC), bouts=[("squat", 15), ("push_up", 20), ("plank", 9)]
    )
    workout(other_user, datetime(2024, 2, 1, tzinfo=UTC), bouts=[("squat", 99)])
    body = api.get("/api/v1/stats/records/").json()
    assert body["most_reps"] == [
        {"exercise": "push_up", "reps": 20, "session_id": body["most_reps"][0]["session_id"]},
        {"exercise": "squat", "reps": 15, "session_id": first.id},  # the first time counts
    ]
    assert body["longest_plank"]["hold_s"] == 90.0


def test_records_when_there_are_none(api):
    assert api.get("/api/v1/stats/records/").json() == {"most_reps": [], "longest_plank": None}


class TestStreaks:
    def days_ago(self, n, hour=12):
        return datetime.combine(
            date.today() - timedelta(days=n), datetime.min.time(), tzinfo=UTC
        ) + timedelta(hours=hour)

    def test_current_and_longest(self, user):
        for n in [0, 1, 2, 10, 11, 12, 13, 14, 30]:
            workout(user, self.days_ago(n))
        workout(user, self.days_ago(1, hour=18))  # two workouts on one day count once
        result = selectors.streaks(user=user, tz=UTC, today=date.today())
        assert (result.current_days, result.longest_days) == (3, 5)
        assert result.longest_end == date.today() - timedelta(days=10)
        assert result.last_workout_day == date.today()

    def test_streak_survives_until_the_day_is_over(self, user):
        for n in [1, 2]:
            workout(user, self.days_ago(n))
        assert selectors.streaks(user=user, tz=UTC).current_days == 2

    def test_broken_streak(self, user):
        for n in [2, 3]:
            workout(user, self.days_ago(n))
        assert selectors.streaks(user=user, tz=UTC).current_days == 0

    def test_api_and_empty_state(self, api, user):
        body = api.get("/api/v1/stats/streaks/", {"tz": "America/New_York"}).json()
        assert body == {
            "tz": "America/New_York",
            "current_days": 0,
            "longest_days": 0,
            "longest_start": None,
            "longest_end": None,
            "last_workout_day": None,
        }


@pytest.mark.parametrize("url", [TIMELINE, "/api/v1/stats/streaks/"])
def test_blank_time_zone_is_an_error(api, url):
    response = api.get(url, {"tz": ""})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "tz"


@pytest.mark.parametrize(
    "params",
    [
        {"period": "day", "start": "9999-12-30", "end": "9999-12-31"},
        {"period": "day", "start": "0001-01-01", "end": "0001-01-02"},
    ],
)
def test_dates_far_away_are_refused(api, params):
    response = api.get(TIMELINE, params)
    assert response.status_code == 400


def test_first_bucket_covers_its_whole_period(api, user):
    workout(user, datetime(2024, 3, 4, 12, tzinfo=UTC), kcal=10)  # Monday
    workout(user, datetime(2024, 3, 6, 12, tzinfo=UTC), kcal=10)  # Wednesday
    body = api.get(TIMELINE, {"period": "week", "start": "2024-03-06", "end": "2024-03-10"}).json()
    assert body["start"] == "2024-03-04"
    assert [(b["start"], b["sessions"]) for b in body["buckets"]] == [("2024-03-04", 2)]
