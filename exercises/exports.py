"""The `exercises` section of the user's data export (GET /api/v1/me/export/), added through
settings.USER_EXPORT_SECTIONS so that users never imports exercises."""

from exercises import selectors
from exercises.serializers import (
    CustomExerciseSerializer,
    ExampleSerializer,
    ExerciseModelSerializer,
)


def exercises_export_data(*, user) -> dict:
    """The user's own exercises with their examples, and their model's training state."""
    exercises = selectors.custom_exercise_list(user=user)
    model = selectors.exercise_model(user=user)
    return {
        "custom_exercises": [
            {
                **CustomExerciseSerializer(exercise, context={"model": model}).data,
                "examples": ExampleSerializer(
                    selectors.example_list(exercise=exercise), many=True
                ).data,
            }
            for exercise in exercises
        ],
        "model": ExerciseModelSerializer(model).data,
    }
