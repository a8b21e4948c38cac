"""What workouts tells the rest of the project when an analysis ends: the signal
`session_finished`, sent once the result (or the failure) is stored. Receivers (the
notifications app) run in the analysis's transaction, in a savepoint; whatever they raise is
rolled back and logged, never passed on: telling someone about an analysis must not undo it."""

import logging

from django.db import transaction
from django.dispatch import Signal

from workouts import representations
from workouts.models import SessionStatus, WorkoutSession
from workouts.serializers import reps_by_exercise

log = logging.getLogger(__name__)

# Sent with user_id, session_id, status ("done" or "failed") and session: the session as
# the sessions list shows it, with its `reps_by_exercise`.
session_finished = Signal()

FINISHED_STATUSES = (SessionStatus.DONE, SessionStatus.FAILED)


def announce_finished(session_id: int) -> None:
    row = (
        WorkoutSession.objects.filter(pk=session_id, status__in=FINISHED_STATUSES)
        .values(*representations.SESSION_DETAIL_COLUMNS, "user_id")
        .first()
    )
    if row is None:  # deleted meanwhile
        return
    summary = {**representations.session(row), "reps_by_exercise": reps_by_exercise(row["result"])}
    try:
        # A savepoint: a receiver's failed query is rolled back alone, and the analysis's
        # transaction goes on to commit.
        with transaction.atomic():
            session_finished.send(
                sender=WorkoutSession,
                user_id=row["user_id"],
                session_id=session_id,
                status=row["status"],
                session=summary,
            )
    except Exception:
        log.exception("session %s: a receiver failed on its end of analysis", session_id)
