"""State changes for a user's own exercises: create, edit and delete them, add and remove
examples, correct a bout's exercise, and schedule the training these changes call for.
APIs call these; the training task (exercises.tasks) runs exercises.training."""

import logging
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from kombu.exceptions import OperationalError as KombuOperationalError

from exercises import selectors
from exercises.models import (
    CustomExercise,
    ExampleSource,
    ExerciseExample,
    ExerciseModel,
    TrainingStatus,
)
from exercises.tasks import train_custom_model
from users.models import User
from workouts import services as workout_services
from workouts.models import Bout, SessionStatus, WorkoutSession
from workouts.services import field_error

log = logging.getLogger(__name__)

# The codes of a refused custom exercise or example (400), per field; the schema lists them.
EXERCISE_ERROR_CODES = {
    "name": ["name_taken", "invalid_name", "too_many_exercises"],
    "compendium_code": ["unknown_compendium_code"],
}
EXAMPLE_ERROR_CODES = {
    "non_field_errors": ["no_source", "too_many_examples"],
    "session": ["session_not_analysed", "no_landmarks"],
    # `required`: a stretch of a session needs both ends (ExampleCreateSerializer).
    "start_s": ["required"],
    "end_s": ["required", "empty_stretch", "too_short", "outside_video"],
    "video": ["empty_file", "unreadable_video", "video_too_long", "file_too_large"],
}
CORRECTION_ERROR_CODES = {"exercise": ["unknown_exercise"]}
BODY_METRICS = ("weight_kg", "height_cm", "age", "sex")


# --- Exercises ------------------------------------------------------------------------


def slug_for(name: str) -> str:
    """ "Cossack squat!" -> "cossack_squat": lower-case ASCII words joined by underscores."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:40].rstrip("_")


@transaction.atomic
def custom_exercise_create(
    *, user: User, name: str, kind: str, met: float | None = None, compendium_code: str = ""
) -> CustomExercise:
    """A new exercise of the user's, named by a slug made from `name` that no built-in
    exercise and none of the user's others carries."""
    # Locked: two requests at once must not both pass the checks below.
    User.objects.select_for_update().filter(pk=user.pk).first()
    slug = _free_slug(user, name)
    if CustomExercise.objects.filter(user=user).count() >= settings.EXERCISES_MAX_PER_USER:
        raise field_error(
            "name",
            f"You have {settings.EXERCISES_MAX_PER_USER} exercises of your own, the limit; "
            "delete one first.",
            "too_many_exercises",
        )
    exercise = CustomExercise.objects.create(
        user=user,
        slug=slug,
        name=name.strip(),
        kind=kind,
        met=_met(kind, met, compendium_code),
        compendium_code=compendium_code,
    )
    training_schedule(user=user)
    return exercise


def _free_slug(user: User, name: str) -> str:
    slug = slug_for(name)
    if not slug:
        raise field_error("name", "The name needs at least one letter or digit.", "invalid_name")
    if slug in selectors.builtin_slugs():
        raise field_error(
            "name",
            f"coach already knows “{slug}” as a built-in exercise; choose another name.",
            "name_taken",
        )
    if CustomExercise.objects.filter(user=user, slug=slug).exists():
        raise field_error("name", f"You already have an exercise “{slug}”.", "name_taken")
    return slug


def _met(kind: str, met: float | None, compendium_code: str) -> float:
    if met is not None:
        return met
    if compendium_code:
        found = selectors.compendium_met(compendium_code)
        if found is None:
            raise field_error(
                "compendium_code",
                f"“{compendium_code}” is not a Compendium code coach knows; give `met` instead.",
                "unknown_compendium_code",
            )
        return found
    return selectors.default_met(kind)


@transaction.atomic
def custom_exercise_update(*, exercise: CustomExercise, **fields) -> CustomExercise:
    """`name`, `kind`, `met`, `compendium_code`; the slug stays what bouts carry. A new kind
    or MET trains the model again (it carries both); bouts already analysed keep theirs."""
    if "compendium_code" in fields and "met" not in fields and fields["compendium_code"]:
        fields["met"] = _met(exercise.kind, None, fields["compendium_code"])
    retrain = any(
        name in fields and fields[name] != getattr(exercise, name) for name in ("kind", "met")
    )
    for name, value in fields.items():
        setattr(exercise, name, value.strip() if name == "name" else value)
    exercise.save()
    if retrain:
        training_schedule(user=exercise.user)
    return exercise


@transaction.atomic
def custom_exercise_delete(*, exercise: CustomExercise) -> int:
    """Deletes the exercise and its examples. Its bouts become `unknown`, an exercise coach
    was not taught: their repetitions stay, and their calories follow `unknown`'s MET.
    Returns how many bouts were relabelled."""
    unknown = selectors.builtin_exercise(selectors.UNKNOWN)
    bouts = Bout.objects.filter(user=exercise.user, exercise=exercise.slug)
    relabelled = 0
    for session_id in bouts.values_list("session_id", flat=True).distinct().order_by():
        changes = {
            bout.position: {
                "exercise": selectors.UNKNOWN,
                "met": unknown["met"],
                # Calories are proportional to MET for the same stretch and body.
                "kcal": round(bout.kcal * unknown["met"] / bout.met, 2) if bout.met else 0.0,
            }
            for bout in bouts.filter(session_id=session_id)
        }
        if workout_services.session_replace_bouts(session_id=session_id, bouts=changes):
            relabelled += len(changes)
    user = exercise.user
    exercise.delete()
    training_schedule(user=user)
    return relabelled


# --- Examples -------------------------------------------------------------------------


def _ensure_room_for_example(exercise: CustomExercise) -> None:
    if exercise.examples.count() >= settings.EXERCISES_MAX_EXAMPLES:
        raise ValidationError(
            f"This exercise has {settings.EXERCISES_MAX_EXAMPLES} examples, the limit; "
            "delete one first.",
            code="too_many_examples",
        )


@transaction.atomic
def example_create_from_session(
    *,
    exercise: CustomExercise,
    session: WorkoutSession,
    start_s: float,
    end_s: float,
    source: str = ExampleSource.SESSION,
) -> ExerciseExample:
    """A stretch of one of the user's analysed sessions (the caller scoped `session` to the
    exercise's owner). A worker cuts its landmarks out of the session's stored ones, or,
    for a session analysed before they were kept, runs the pose model over its video."""
    _ensure_room_for_example(exercise)
    if session.status != SessionStatus.DONE:
        raise field_error(
            "session",
            f"This session is {session.status}, not analysed: an example needs an analysed "
            "session.",
            "session_not_analysed",
        )
    if not session.landmarks and not session.has_video:
        raise field_error(
            "session",
            "This session was analysed before coach kept its movements, and its video is no "
            "longer stored: there is nothing to learn from.",
            "no_landmarks",
        )
    _check_stretch(start_s, end_s, session.duration_s)
    example = ExerciseExample.objects.create(
        user=exercise.user,
        exercise=exercise,
        source=source,
        session=session,
        start_s=start_s,
        end_s=end_s,
    )
    training_schedule(user=exercise.user)
    return example


# The shortest stretch that shows a movement (the engine learns nothing from less).
EXAMPLE_MIN_S = 1.0


def _check_stretch(start_s: float, end_s: float, duration_s: float | None) -> None:
    if end_s <= start_s:
        raise field_error(
            "end_s", "The example must end after it starts (`end_s` > `start_s`).", "empty_stretch"
        )
    if end_s - start_s < EXAMPLE_MIN_S:
        raise field_error("end_s", f"An example lasts at least {EXAMPLE_MIN_S:g} s.", "too_short")
    if duration_s is not None and end_s > duration_s + 0.05:  # a frame's rounding
        raise field_error(
            "end_s",
            f"The video is {duration_s:.1f} s long; the example ends at {end_s:.1f} s.",
            "outside_video",
        )


def example_create_from_bout(
    *, exercise: CustomExercise, bout: Bout, source: str = ExampleSource.BOUT
) -> ExerciseExample:
    """A whole bout of one of the user's sessions (the caller scoped `bout` to the owner)."""
    return example_create_from_session(
        exercise=exercise,
        session=bout.session,
        start_s=bout.start_s,
        end_s=bout.end_s,
        source=source,
    )


def example_create_from_video(
    *, exercise: CustomExercise, video: UploadedFile, start_s=None, end_s=None
) -> ExerciseExample:
    """A short video made for the purpose, checked by decoding it; the whole video unless
    `start_s`/`end_s` say which part. A worker runs the pose model over it."""
    _ensure_room_for_example(exercise)
    if video.size == 0:
        raise field_error("video", "The file is empty.", "empty_file")
    if video.size > settings.EXERCISES_MAX_EXAMPLE_VIDEO_BYTES:
        limit_mb = settings.EXERCISES_MAX_EXAMPLE_VIDEO_BYTES / 1024**2
        raise field_error(
            "video", f"An example video is at most {limit_mb:g} MB.", "file_too_large"
        )
    checked = workout_services.check_uploaded_video(
        video, max_duration_s=settings.EXERCISES_MAX_EXAMPLE_VIDEO_S
    )
    start_s = 0.0 if start_s is None else start_s
    end_s = checked.duration_s if end_s is None else end_s
    _check_stretch(start_s, end_s, checked.duration_s)
    example = ExerciseExample(
        user=exercise.user,
        exercise=exercise,
        source=ExampleSource.VIDEO,
        start_s=start_s,
        end_s=end_s,
    )
    example.video.save(video.name or "example.mp4", video, save=False)
    try:
        with transaction.atomic():
            example.save()
            training_schedule(user=exercise.user)
    except BaseException:
        example.video.storage.delete(example.video.name)
        raise
    return example


@transaction.atomic
def example_delete(*, example: ExerciseExample) -> None:
    """Removes the example (exercises.signals removes its files) and trains again."""
    user = example.user
    example.delete()
    training_schedule(user=user)


# --- Corrections ----------------------------------------------------------------------


def bout_correct(*, bout: Bout, exercise: str, keep_as_example: bool = True) -> Bout:
    """Relabels the bout as `exercise` (a built-in slug or one of the owner's own), recounts
    it from the session's stored landmarks with that exercise's counting, recomputes its
    calories and the session's totals, and keeps it as an example of a custom exercise
    unless the user opts out. Raises AnalysisConflict for a session without landmarks."""
    from inference import LandmarkSequence, recount_bout

    user = bout.session.user
    custom = selectors.custom_exercise_by_slug(user=user, slug=exercise)
    if custom is None and exercise not in selectors.builtin_slugs():
        raise field_error(
            "exercise",
            f"“{exercise}” is neither a built-in exercise nor one of yours.",
            "unknown_exercise",
        )
    stored = workout_services.session_landmarks_bytes(bout.session)
    if stored is None:
        raise workout_services.AnalysisConflict(
            "This session was analysed before coach kept its movements, so the bout cannot "
            "be recounted; re-analyse the session, then correct it."
        )
    # The body metrics the session's calories used, as the engine takes them.
    body = {k: v for k, v in (bout.session.body_metrics or {}).items() if k in BODY_METRICS}
    extra = {"exercise_kind": custom.kind, "met": custom.met} if custom else {}
    remade = recount_bout(
        LandmarkSequence.from_bytes(stored),
        bout.start_s,
        bout.end_s,
        exercise,
        body=body,
        custom=selectors.custom_model_for_analysis(user=user) if custom else None,
        **extra,
    )
    fields = {
        "exercise": exercise,
        "reps": remade.reps,
        "rep_times_s": remade.rep_times_s,
        "hold_s": remade.hold_s,
        "met": remade.met,
        "kcal": remade.kcal,
        # The user said so: the label is certain; the count is the engine's again.
        "confidence": 1.0,
        "count_confidence": remade.count_confidence,
    }
    with transaction.atomic():
        session = workout_services.session_replace_bouts(
            session_id=bout.session_id, bouts={bout.position: fields}
        )
        if session is None:
            raise workout_services.AnalysisConflict(
                "The session is being analysed again; correct the bout once it is done."
            )
        bout = Bout.objects.select_related("session").get(
            session_id=bout.session_id, position=bout.position
        )
        if custom is not None and keep_as_example:
            example_create_from_bout(exercise=custom, bout=bout, source=ExampleSource.CORRECTION)
    return bout


# --- Training -------------------------------------------------------------------------


def training_schedule(*, user: User) -> int:
    """Counts the user's model version up and queues its training, on commit, after
    EXERCISES_TRAINING_DELAY_S: only the run for the newest version stores a model."""
    ExerciseModel.objects.get_or_create(user=user)
    ExerciseModel.objects.filter(user=user).update(
        requested_version=F("requested_version") + 1,
        status=TrainingStatus.TRAINING,
        failure_reason="",
    )
    version = ExerciseModel.objects.values_list("requested_version", flat=True).get(user=user)
    transaction.on_commit(lambda: _send_training(user.pk, version))
    return version


def _send_training(user_id: int, version: int) -> None:
    try:
        train_custom_model.apply_async(
            (user_id, version), countdown=settings.EXERCISES_TRAINING_DELAY_S
        )
    except (KombuOperationalError, OSError) as error:
        log.warning("broker unreachable, training of user %s not queued: %s", user_id, error)
        ExerciseModel.objects.filter(user_id=user_id, requested_version=version).update(
            status=TrainingStatus.FAILED,
            failure_reason="The training could not be queued; change an example to try again.",
        )
