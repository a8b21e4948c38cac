"""The notifications app's end of `workouts.events.session_finished`."""

from django.dispatch import receiver

from notifications import services
from workouts.events import session_finished
from workouts.models import WorkoutSession


@receiver(session_finished, sender=WorkoutSession)
def record_session_event(sender, *, user_id: int, session_id: int, status: str, session, **kwargs):
    services.event_record_session_finished(
        user_id=user_id, session_id=session_id, status=status, session=session
    )
