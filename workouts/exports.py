"""The `sessions` section of the user's data export (GET /api/v1/me/export/), added through
settings.USER_EXPORT_SECTIONS so that users never imports workouts."""

from workouts import selectors
from workouts.serializers import SessionDetailSerializer


def sessions_export_data(*, user) -> list[dict]:
    """The user's sessions with bouts and the engine's full results."""
    sessions = selectors.session_detail_queryset(user=user)
    return [{**SessionDetailSerializer(s).data, "result": s.result} for s in sessions]
