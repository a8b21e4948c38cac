"""Reads of workout data, scoped to one user (`user=`); the retention sweep reads across users."""

from datetime import datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from users.models import Sex, User
from users.selectors import weight_at
from workouts import representations
from workouts.models import IN_FLIGHT_STATUSES, Bout, SessionStatus, WorkoutSession


def session_list(*, user: User) -> QuerySet[WorkoutSession]:
    return WorkoutSession.objects.filter(user=user)


def sessions_with_bouts(sessions: QuerySet[WorkoutSession]) -> QuerySet[WorkoutSession]:
    return sessions.prefetch_related(Prefetch("bouts", queryset=Bout.objects.order_by("position")))


def session_detail_queryset(*, user: User) -> QuerySet[WorkoutSession]:
    return sessions_with_bouts(session_list(user=user))


def session_rows(sessions: QuerySet[WorkoutSession]) -> QuerySet:
    """The sessions as plain rows of what a list shows (workouts.representations.session)."""
    return sessions.values(*representations.SESSION_COLUMNS)


def session_detail_rows(sessions: QuerySet[WorkoutSession], pk) -> tuple[dict, list[dict]] | None:
    """One of `sessions` and its bouts in order, as plain rows; None when it is not there."""
    row = sessions.filter(pk=pk).values(*representations.SESSION_DETAIL_COLUMNS).first()
    if row is None:
        return None
    bouts = Bout.objects.filter(session_id=row["id"]).order_by("position")
    return row, list(bouts.values(*representations.BOUT_COLUMNS))


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


def videos_past_retention():
    """Stored videos whose owner's retention period has passed (finished sessions only: a
    video still waiting for analysis is never removed)."""
    now = timezone.now()
    # One condition per retention setting in use (a handful of values in practice): portable
    # where per-row date arithmetic is not.
    settings_in_use = (
        User.objects.filter(video_retention_days__isnull=False)
        .values_list("video_retention_days", flat=True)
        .distinct()
        .order_by()
    )
    expired = Q(pk__in=[])
    for days in settings_in_use:
        expired |= Q(user__video_retention_days=days, created_at__lte=now - timedelta(days=days))
    return WorkoutSession.objects.filter(
        expired,
        video_deleted_at__isnull=True,
        status__in=(SessionStatus.DONE, SessionStatus.FAILED),
    ).exclude(video="")


IDEMPOTENCY_WINDOW = timedelta(days=1)


def session_by_idempotency_key(user: User, key: str) -> WorkoutSession | None:
    """The session an upload with this Idempotency-Key made in the last day, if any."""
    since = timezone.now() - IDEMPOTENCY_WINDOW
    return WorkoutSession.objects.filter(
        user=user, idempotency_key=key, created_at__gte=since
    ).first()


def sessions_without_thumbnail() -> QuerySet[WorkoutSession]:
    """Analysed sessions (any user's) with a stored video and no poster frame, oldest first."""
    return (
        WorkoutSession.objects.filter(
            status=SessionStatus.DONE, video_deleted_at__isnull=True, thumbnail=""
        )
        .exclude(video="")
        .order_by("id")
    )
