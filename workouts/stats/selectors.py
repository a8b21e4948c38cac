"""Per-user statistics, computed by the database: buckets per day/week/month in the user's
time zone, personal records, streaks of workout days. Only analysed sessions count."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber, TruncDate, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from inference import STATIC_EXERCISES
from users.models import User
from workouts.models import Bout, SessionStatus, WorkoutSession

TRUNCATE = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def _done_sessions(user: User):
    return WorkoutSession.objects.filter(user=user, status=SessionStatus.DONE)


def _done_bouts(user: User):
    return Bout.objects.filter(user=user, session__status=SessionStatus.DONE)


def timeline(*, user: User, period: str, tz: ZoneInfo, start: date, end: date) -> list[dict]:
    """One bucket per period with workouts: sessions, active minutes, kcal, reps per exercise.
    `start`/`end` are local dates, both included."""
    truncate = TRUNCATE[period]
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    in_range = Q(started_at__gte=since, started_at__lt=until)
    sessions = (
        _done_sessions(user)
        .filter(in_range)
        .annotate(bucket=truncate("started_at", tzinfo=tz))
        .values("bucket")
        .annotate(sessions=Count("id"), active_s=Sum("active_s"), kcal=Sum("total_kcal"))
        .order_by("bucket")
    )
    reps = (
        _done_bouts(user)
        .filter(session_started_at__gte=since, session_started_at__lt=until, reps__gt=0)
        .annotate(bucket=truncate("session_started_at", tzinfo=tz))
        .values("bucket", "exercise")
        .annotate(reps=Sum("reps"))
        .order_by("bucket", "exercise")
    )
    reps_by_bucket: dict = {}
    for row in reps:
        reps_by_bucket.setdefault(_local_date(row["bucket"], tz), {})[row["exercise"]] = row["reps"]
    buckets = []
    for row in sessions:
        start_day = _local_date(row["bucket"], tz)
        buckets.append(
            {
                "start": start_day,
                "sessions": row["sessions"],
                "active_minutes": round((row["active_s"] or 0) / 60, 2),
                "kcal": round(row["kcal"] or 0, 2),
                "reps": reps_by_bucket.get(start_day, {}),
            }
        )
    return buckets


def _local_date(value, tz) -> date:
    # Trunc* returns an aware datetime on PostgreSQL and, for SQLite, too; take its local day.
    if hasattr(value, "astimezone"):
        return timezone.localtime(value, tz).date() if timezone.is_aware(value) else value.date()
    return value


def personal_records(*, user: User) -> dict:
    """Most reps in one bout per exercise, and the longest hold; the first time a record
    was set wins ties. One window query: rank each exercise's bouts, keep the best."""
    bouts = _done_bouts(user)
    most_reps = (
        bouts.exclude(exercise__in=STATIC_EXERCISES)
        .filter(reps__gt=0)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("exercise")],
                order_by=[F("reps").desc(), F("session_started_at").asc()],
            )
        )
        .filter(rank=1)
        .values("exercise", "reps", "session_id")
        .order_by("exercise")
    )
    longest_hold = (
        bouts.filter(exercise__in=STATIC_EXERCISES, hold_s__isnull=False)
        .order_by("-hold_s", "session_started_at")
        .values("exercise", "session_id", "hold_s", achieved_at=F("session_started_at"))
        .first()
    )
    return {"most_reps": list(most_reps), "longest_plank": longest_hold}


@dataclass
class Streaks:
    current_days: int
    longest_days: int
    longest_start: date | None
    longest_end: date | None
    last_workout_day: date | None


def streaks(*, user: User, tz: ZoneInfo, today: date | None = None) -> Streaks:
    """Runs of consecutive local days with at least one analysed session.

    Gaps and islands in SQL: over the distinct workout days, `day number - row number` is
    constant within a run of consecutive days, so grouping by it gives the runs.
    """
    today = today or timezone.localtime(timezone.now(), tz).date()
    days = (
        _done_sessions(user)
        .annotate(day=TruncDate("started_at", tzinfo=tz))
        .values("day")
        .order_by()
        .distinct()  # no default ordering inside DISTINCT
    )
    days_sql, params = days.query.sql_with_params()
    day_number = {
        "postgresql": "(day - DATE '1970-01-01')",
        "sqlite": "CAST(julianday(day) AS INTEGER)",
    }[connection.vendor]
    sql = f"""
        SELECT MIN(day), MAX(day), COUNT(*) FROM (
            SELECT day, {day_number} - ROW_NUMBER() OVER (ORDER BY day) AS island
            FROM ({days_sql}) AS workout_days
        ) AS numbered
        GROUP BY island
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        runs = [(_as_date(lo), _as_date(hi), n) for lo, hi, n in cursor.fetchall()]
    if not runs:
        return Streaks(0, 0, None, None, None)
    longest = max(runs, key=lambda run: (run[2], run[1]))
    latest = max(runs, key=lambda run: run[1])
    # A streak is still alive on a day without a workout yet: it counts through yesterday.
    current = latest[2] if latest[1] >= today - timedelta(days=1) else 0
    return Streaks(current, longest[2], longest[0], longest[1], latest[1])


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
