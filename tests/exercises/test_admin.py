import pytest

from exercises import services
from exercises.models import ExerciseModel
from tests.exercises.conftest import analysed_session
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_can_browse_custom_exercises_and_models(client, user, engine):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    exercise = services.custom_exercise_create(user=user, name="Lift", kind="reps")
    services.example_create_from_session(
        exercise=exercise, session=analysed_session(user), start_s=1.0, end_s=5.0
    )
    for url in [
        "/admin/exercises/customexercise/",
        f"/admin/exercises/customexercise/{exercise.pk}/change/",
        "/admin/exercises/exercisemodel/",
        f"/admin/exercises/exercisemodel/{ExerciseModel.objects.get().pk}/change/",
    ]:
        assert client.get(url).status_code == 200, url
