"""Statistics latency for a user with five years of daily workouts.

Seeds a throwaway test database (PostgreSQL when DATABASE_URL is set, else SQLite) with
1,826 analysed sessions of 3 bouts each, then times the statistics endpoints through the
whole API stack (in-process client: routing, auth, queries, serialisation).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_stats.py
"""

import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coach.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

YEARS = 5
EXERCISES = ["squat", "push_up", "plank", "lunge", "bicep_curl", "jumping_jack"]
REQUESTS = 200


def seed(user_model, session_model, bout_model):
    user = user_model.objects.create_user(email="bench@example.com", password="x" * 20)
    other = user_model.objects.create_user(email="other@example.com", password="x" * 20)
    start = datetime(2021, 1, 1, 7, 0, tzinfo=UTC)
    for owner in (user, other):  # a second user, so scoping by user is measured too
        sessions = session_model.objects.bulk_create(
            session_model(
                user=owner,
                started_at=start + timedelta(days=d, hours=d % 12),
                status="done",
                progress=1,
                duration_s=1800,
                active_s=1500,
                total_kcal=200 + d % 50,
                total_reps=60,
            )
            for d in range(int(365.25 * YEARS))
        )
        bout_model.objects.bulk_create(
            bout_model(
                session=s,
                user=owner,
                session_started_at=s.started_at,
                position=p,
                exercise=EXERCISES[(i + p) % len(EXERCISES)],
                start_s=p * 500,
                end_s=p * 500 + 400,
                reps=0 if EXERCISES[(i + p) % 6] == "plank" else 20,
                hold_s=60.0 if EXERCISES[(i + p) % 6] == "plank" else None,
                rep_times_s=[],
                met=5,
                kcal=60,
                confidence=0.9,
            )
            for i, s in enumerate(sessions)
            for p in range(3)
        )
    return user


def time_endpoint(client, url, params):
    client.get(url, params)  # warm-up
    samples = []
    for _ in range(REQUESTS):
        t0 = time.perf_counter()
        response = client.get(url, params)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.content
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * len(samples)) - 1]


def main():
    from rest_framework_simplejwt.tokens import RefreshToken

    from users.models import User
    from workouts.models import Bout, WorkoutSession

    setup_test_environment()
    connection.settings_dict.setdefault("TEST", {})["NAME"] = (
        "coach_bench" if connection.vendor == "postgresql" else "/tmp/coach_bench.sqlite3"
    )
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        t0 = time.perf_counter()
        user = seed(User, WorkoutSession, Bout)
        with connection.cursor() as cursor:
            # A live database has planner statistics (autovacuum); a freshly bulk-loaded one
            # does not, and the planner then picks nested loops for 10k-row joins.
            cursor.execute("ANALYZE")
        print(
            f"database: {connection.vendor}; seeded {WorkoutSession.objects.count()} sessions, "
            f"{Bout.objects.count()} bouts (2 users) in {time.perf_counter() - t0:.1f}s"
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        cases = [
            (
                "timeline day, 30 days",
                "/api/v1/stats/timeline/",
                {"period": "day", "tz": "Europe/Berlin"},
            ),
            (
                "timeline week, 1 year",
                "/api/v1/stats/timeline/",
                {
                    "period": "week",
                    "start": "2025-01-01",
                    "end": "2025-12-31",
                    "tz": "Europe/Berlin",
                },
            ),
            (
                "timeline month, 5 years",
                "/api/v1/stats/timeline/",
                {
                    "period": "month",
                    "start": "2021-01-01",
                    "end": "2025-12-31",
                    "tz": "Europe/Berlin",
                },
            ),
            ("records", "/api/v1/stats/records/", {}),
            ("streaks", "/api/v1/stats/streaks/", {"tz": "Europe/Berlin"}),
        ]
        print(f"{'endpoint':28} {'p50 ms':>8} {'p95 ms':>8}   ({REQUESTS} requests each)")
        for name, url, params in cases:
            p50, p95 = time_endpoint(client, url, params)
            print(f"{name:28} {p50:8.1f} {p95:8.1f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
