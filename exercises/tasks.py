"""Celery tasks of custom exercises: thin, take ids, safe to run twice (see workouts.tasks)."""

from celery import shared_task


@shared_task(name="exercises.train_custom_model", acks_late=True, ignore_result=True)
def train_custom_model(user_id: int, version: int) -> str:
    """Trains the user's custom-exercise model for `version` (queue `analysis`); a run for
    a version that is no longer the newest does nothing."""
    from exercises.training import run_training

    return run_training(user_id=user_id, version=version)
