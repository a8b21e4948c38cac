import factory
from django.utils import timezone

from tests.factories import UserFactory
from workouts.models import Bout, SessionStatus, WorkoutSession


class WorkoutSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkoutSession

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Workout {n}")
    started_at = factory.LazyFunction(timezone.now)
    status = SessionStatus.DONE
    progress = 1.0
    duration_s = 60.0
    video = factory.django.FileField(filename="clip.mp4", data=b"not really a video")
    video_size_bytes = 18


class BoutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bout

    session = factory.SubFactory(WorkoutSessionFactory)
    user = factory.SelfAttribute("session.user")
    session_started_at = factory.SelfAttribute("session.started_at")
    position = factory.Sequence(lambda n: n)
    exercise = "squat"
    start_s = 0.0
    end_s = 30.0
    reps = 10
    rep_times_s = factory.LazyAttribute(lambda b: [[i * 3.0, i * 3.0 + 2.5] for i in range(b.reps)])
    hold_s = None
    met = 5.0
    kcal = 12.5
    confidence = 0.9
