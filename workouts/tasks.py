"""Celery tasks: thin, take ids, safe to run twice.

Every task of the app is here, under a pinned name (`name=`), so the routes and the beat
schedule in settings, and messages already queued, do not depend on where the code lives.
Services import this module at their top to queue tasks; a task imports the services it
runs inside its function (no import cycle, and the web process loads no engine code).
"""

from celery import shared_task


# The task's name keeps its first spelling: queued messages and routes refer to it.
@shared_task(
    name="workouts.analyse_session", acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def analyze_session(session_id: int) -> str:
    """An uploaded video or a stopped live session through the engine (queue `analysis`)."""
    from workouts.models import SessionSource, WorkoutSession

    if WorkoutSession.objects.filter(pk=session_id, source=SessionSource.LIVE).exists():
        from workouts.live.analysis import run_live_session_analysis

        return run_live_session_analysis(session_id=session_id)
    from workouts.analysis import run_session_analysis

    return run_session_analysis(session_id=session_id)


# Redelivery after a lost worker is harmless: rows the store already has are dropped, so a
# chunk lands once however often it runs (the consumer also sends a batch again when the
# worker on it stops beating). A chunk is small: tight time limits.
@shared_task(
    bind=True,
    name="workouts.live_chunk",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def live_chunk(self, session_id: int, batch_id: int) -> dict:
    """One staged batch of a live session (workouts/live/ingest.py, queue `live`); the result
    is the live update. The batch beats while it runs, for the consumer waiting on it
    (workouts/live/delivery.py); run eagerly, the consumer waits on this very call."""
    from workouts.live.ingest import ingest_batch
    from workouts.live.services import live_batch_heartbeat

    if self.request.is_eager:
        return ingest_batch(session_id=session_id, batch_id=batch_id)
    with live_batch_heartbeat(batch_id=batch_id):
        return ingest_batch(session_id=session_id, batch_id=batch_id)


@shared_task(name="workouts.stop_idle_live_sessions", ignore_result=True)
def stop_idle_live_sessions() -> int:
    """Periodic (celery beat): live sessions nobody has streamed to for a while are stopped
    and analysed."""
    from workouts.live.ingest import ingest_leftovers
    from workouts.live.services import live_sessions_stop_idle

    return live_sessions_stop_idle(
        before_stop=lambda session_id: ingest_leftovers(session_id=session_id)
    )


@shared_task(name="workouts.purge_expired_videos", ignore_result=True)
def purge_expired_videos() -> int:
    """Periodic (celery beat): deletes videos past their owner's retention period."""
    from workouts.services import session_videos_purge_expired

    return session_videos_purge_expired()


@shared_task(name="workouts.purge_expired_uploads", ignore_result=True)
def purge_expired_uploads() -> int:
    """Periodic (celery beat): removes resumable uploads abandoned for a day."""
    from workouts.uploads.services import uploads_purge_expired

    return uploads_purge_expired()


@shared_task(name="workouts.requeue_stuck_analyses", ignore_result=True)
def requeue_stuck_analyses() -> int:
    """Periodic (celery beat): analyses whose message never reached the broker or was lost
    with it, or whose worker stopped reporting, are queued again."""
    from workouts.services import sessions_requeue_stuck

    return sessions_requeue_stuck()


@shared_task(name="workouts.purge_orphan_files", ignore_result=True)
def purge_orphan_files() -> int:
    """Periodic (celery beat): stored files that no row names, a day old, are removed."""
    from workouts.services import media_orphans_purge

    return media_orphans_purge()
