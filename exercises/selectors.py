"""Reads of a user's own exercises, always scoped to one user (`user=`)."""

from django.db.models import Count, Q, QuerySet

from exercises.models import (
    CustomExercise,
    ExampleStatus,
    ExerciseExample,
    ExerciseModel,
)
from users.models import User

UNKNOWN = "unknown"


def builtin_catalogue() -> list[dict]:
    """The engine's exercises (slug, display name, reps or hold, MET, Compendium), `unknown`
    last."""
    from inference import exercise_catalogue

    return exercise_catalogue()


def builtin_slugs() -> set[str]:
    return {row["exercise"] for row in builtin_catalogue()}


def builtin_exercise(slug: str) -> dict | None:
    return next((row for row in builtin_catalogue() if row["exercise"] == slug), None)


def compendium_met(code: str) -> float | None:
    """The MET of a Compendium code the catalogue uses; None for a code it does not know."""
    return next((row["met"] for row in builtin_catalogue() if row["compendium_code"] == code), None)


def default_met(kind: str) -> float:
    """A custom exercise's MET when its owner gives neither a MET nor a Compendium code: the
    engine's default for its kind (light or moderate calisthenics)."""
    from inference import CUSTOM_DEFAULT_MET

    return CUSTOM_DEFAULT_MET[kind]


def custom_exercise_list(*, user: User) -> QuerySet[CustomExercise]:
    return CustomExercise.objects.filter(user=user).annotate(
        examples_count=Count("examples"),
        examples_ready=Count("examples", filter=Q(examples__status=ExampleStatus.READY)),
    )


def custom_exercise_by_slug(*, user: User, slug: str) -> CustomExercise | None:
    return CustomExercise.objects.filter(user=user, slug=slug).first()


def example_list(*, exercise: CustomExercise) -> QuerySet[ExerciseExample]:
    return exercise.examples.select_related("session")


def exercise_model(*, user: User) -> ExerciseModel:
    """The user's model row; an unsaved untrained one when they never had any."""
    return ExerciseModel.objects.filter(user=user).first() or ExerciseModel(user=user)


def custom_model_for_analysis(*, user: User):
    """The user's trained model as the engine takes it (inference.CustomModel), or None.

    None too while a model still names an exercise the user has deleted since (the retrain
    that follows the deletion replaces it): no new bout gets a label that no longer exists."""
    # The last model trained, also while a newer one trains.
    row = ExerciseModel.objects.filter(user=user).first()
    if row is None or not row.model:
        return None
    current = set(CustomExercise.objects.filter(user=user).values_list("slug", flat=True))
    if not set(row.slugs) <= current:
        return None
    from inference import CustomModel

    return CustomModel.from_bytes(bytes(row.model))


def example_rows_naming(name: str) -> QuerySet[ExerciseExample]:
    """The examples whose video or landmarks are the stored file `name` (the orphan sweep,
    workouts.services.media_orphans_purge)."""
    return ExerciseExample.objects.filter(Q(video=name) | Q(landmarks=name))
