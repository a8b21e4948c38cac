"""Celery tasks: thin, take ids, safe to run twice."""

from celery import shared_task

from workouts.analysis import run_session_analysis


@shared_task(
    name="workouts.analyse_session", acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def analyse_session(session_id: int) -> str:
    return run_session_analysis(session_id=session_id)


@shared_task(name="workouts.purge_expired_videos", ignore_result=True)
def purge_expired_videos() -> int:
    """Periodic (celery beat): deletes videos past their owner's retention period."""
    from workouts.services import purge_expired_videos as purge

    return purge()


@shared_task(name="workouts.purge_expired_uploads", ignore_result=True)
def purge_expired_uploads() -> int:
    """Periodic (celery beat): removes resumable uploads abandoned for a day."""
    from workouts.chunked_uploads import purge_expired_uploads as purge

    return purge()
