"""Reads of workout data, always scoped to one user."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from users.models import Sex, User
from users.selectors import weight_at
from workouts.models import IN_FLIGHT_STATUSES, Bout, WorkoutSession


def session_list(*, user: User) -> QuerySet[WorkoutSession]:
    return WorkoutSession.objects.filter(user=user)


def session_detail_queryset(*, user: User) -> QuerySet[WorkoutSession]:
    return session_list(user=user).prefetch_related(
        Prefetch("bouts", queryset=Bout.objects.order_by("position"))
    )


def sessions_in_flight_count(*, user: User) -> int:
    return session_list(user=user).filter(status__in=IN_FLIGHT_STATUSES).count()


def body_metrics_at(*, user: User, at: datetime) -> dict:
    """The body metrics in effect at `at`, as the analysis engine takes them.

    Weight is the latest entry at or before `at`; a workout logged before the first
    weigh-in uses that first weigh-in, the closest reading there is. Missing values are
    left out and the engine fills in its stated defaults.
    """
    entry = weight_at(user=user, at=at) or user.weight_entries.order_by("measured_at").first()
    metrics: dict = {}
    if entry:
        metrics["weight_kg"] = entry.weight_kg
    if user.height_cm:
        metrics["height_cm"] = user.height_cm
    if (age := user.age_on(at.date())) is not None:
        metrics["age"] = age
    if user.sex != Sex.UNSPECIFIED:
        metrics["sex"] = user.sex
    return metrics


def sessions_export_data(*, user: User) -> list[dict]:
    """The user's sessions with bouts and the engine's full results, for the data export."""
    from workouts.serializers import SessionDetailSerializer

    sessions = session_detail_queryset(user=user)
    return [{**SessionDetailSerializer(s).data, "result": s.result} for s in sessions]
