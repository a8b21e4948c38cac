"""Trains a user's custom-exercise model on a worker: the body of the training task.

First each new example gets its landmarks (cut out of its session's stored landmarks, or
from a pose run over a video), then the engine trains on every usable example, and the
model is stored only if no newer version was asked for meanwhile."""

import dataclasses
import logging
import tempfile
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from exercises.models import (
    CustomExercise,
    ExampleSource,
    ExampleStatus,
    ExerciseExample,
    ExerciseModel,
    TrainingStatus,
)
from workouts.models import WorkoutSession
from workouts.services import session_keep_landmarks, session_landmarks_bytes

log = logging.getLogger(__name__)

# Landmarks kept on either side of an example's stretch: the engine's windows look a
# little beyond a bout's edges.
MARGIN_S = 1.0


class ExampleUnusable(Exception):
    """The example cannot be prepared; the message says why, for its owner."""


def run_training(*, user_id: int, version: int) -> str:
    from inference import CustomExample
    from inference import CustomExercise as EngineExercise

    row = ExerciseModel.objects.filter(user_id=user_id).first()
    if row is None or row.requested_version != version:
        return "superseded"  # a newer change queued its own run
    if row.trained_version == version:
        return "skipped"  # a second delivery of a run that finished
    for example in ExerciseExample.objects.filter(user_id=user_id, status=ExampleStatus.PENDING):
        prepare_example(example)
    exercises, examples = {}, {}
    for exercise in CustomExercise.objects.filter(user_id=user_id):
        ready = exercise.examples.filter(status=ExampleStatus.READY).exclude(landmarks="")
        if not ready.exists():
            continue  # an exercise without examples cannot be recognised yet
        exercises[exercise.slug] = EngineExercise(
            exercise.slug, exercise.name, exercise.kind, exercise.met
        )
        for example in ready:
            examples[example.pk] = CustomExample(
                exercise.slug, _load(example), *_stretch_in_landmarks(example)
            )
    if not examples:
        return _store(user_id, version, model=None)
    try:
        model = _train_without_unusable(exercises, examples)
    except Exception as error:
        log.exception("training the custom exercises of user %s failed", user_id)
        return _store(user_id, version, model=None, failure=f"The training failed ({error}).")
    return _store(user_id, version, model=model)


def _train_without_unusable(exercises: dict, examples: dict):
    """The engine's model from the examples; an example it cannot learn from (too short, no
    person in it) is marked failed with the engine's reason and the rest train without it."""
    from inference import CustomExampleError, train_custom

    try:
        return train_custom(list(exercises.values()), list(examples.values()))
    except CustomExampleError:
        pass
    usable = {}
    for pk, example in examples.items():  # one at a time: which ones are unusable
        try:
            train_custom([exercises[example.slug]], [example])
        except CustomExampleError as unusable:
            ExerciseExample.objects.filter(pk=pk).update(
                status=ExampleStatus.FAILED, error_message=f"Nothing to learn from: {unusable}."
            )
        else:
            usable[pk] = example
    if not usable:
        return None
    kept = {example.slug for example in usable.values()}
    return train_custom([e for slug, e in exercises.items() if slug in kept], list(usable.values()))


def _store(user_id: int, version: int, *, model, failure: str = "") -> str:
    with transaction.atomic():
        row = ExerciseModel.objects.select_for_update().filter(user_id=user_id).first()
        if row is None or row.requested_version != version:
            return "superseded"
        if failure:
            row.status, row.failure_reason = TrainingStatus.FAILED, failure
            # The last good model stays in use until a training succeeds.
            row.save(update_fields=["status", "failure_reason", "updated_at"])
            return "failed"
        row.status = TrainingStatus.READY if model is not None else TrainingStatus.UNTRAINED
        row.failure_reason = ""
        row.trained_version = version
        row.model = model.to_bytes() if model is not None else b""
        row.slugs = list(model.slugs) if model is not None else []
        row.accuracy = model.accuracy if model is not None else None
        row.examples_used = model.examples_used if model is not None else 0
        row.trained_at = timezone.now()
        row.save()
    return "trained" if model is not None else "untrained"


# --- Examples' landmarks ----------------------------------------------------------------


def prepare_example(example: ExerciseExample) -> None:
    """Gives a pending example its landmarks, or marks it failed with the reason."""
    try:
        sequence, offset_s = _source_landmarks(example)
    except ExampleUnusable as unusable:
        ExerciseExample.objects.filter(pk=example.pk).update(
            status=ExampleStatus.FAILED, error_message=str(unusable)
        )
        return
    first_s = max(0.0, example.start_s - MARGIN_S)
    cut = cut_sequence(sequence, first_s - offset_s, example.end_s + MARGIN_S - offset_s)
    if not len(cut):
        ExerciseExample.objects.filter(pk=example.pk).update(
            status=ExampleStatus.FAILED, error_message="The stretch holds no analysed frames."
        )
        return
    example.landmarks.save("landmarks.bin", _content(cut.to_bytes()), save=False)
    # An update: the example may have been deleted while its landmarks were made.
    updated = ExerciseExample.objects.filter(pk=example.pk).update(
        landmarks=example.landmarks.name,
        landmarks_start_s=first_s,
        status=ExampleStatus.READY,
        error_message="",
    )
    if not updated:
        example.landmarks.storage.delete(example.landmarks.name)


def _content(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)


def _source_landmarks(example: ExerciseExample):
    """The landmarks the example is cut from and the time their first frame is at."""
    if example.source == ExampleSource.VIDEO:
        return _video_landmarks(example.video), 0.0
    # Read afresh: an earlier example of the same run may have kept its landmarks.
    session = WorkoutSession.objects.filter(pk=example.session_id).first()
    if session is None:
        raise ExampleUnusable("The session of this example was deleted before it was prepared.")
    stored = session_landmarks_bytes(session)
    if stored is not None:
        from inference import LandmarkSequence

        return LandmarkSequence.from_bytes(stored), 0.0
    if not session.has_video:  # analysed before landmarks were kept, and its video is gone
        raise ExampleUnusable("The video of this session is no longer stored.")
    sequence = _video_landmarks(session.video)
    # Kept on the session, so its next example or correction needs no pose run.
    session_keep_landmarks(session_id=session.pk, landmarks=sequence.to_bytes())
    return sequence, 0.0


def _video_landmarks(stored_file):
    """The landmarks of a stored video: one pose run (sessions analysed before landmarks
    were kept, and examples' own videos)."""
    from inference import VideoDecodeError, analyze_video

    with tempfile.TemporaryDirectory(prefix="coach-example-") as folder:
        path = Path(folder) / ("video" + Path(stored_file.name).suffix)
        with stored_file.open("rb") as source, open(path, "wb") as out:
            out.write(source.read())
        try:
            _, sequence = analyze_video(str(path), keep_landmarks=True)
        except VideoDecodeError as error:
            raise ExampleUnusable(f"The video could not be decoded ({error}).")
    return sequence


def cut_sequence(sequence, start_s: float, end_s: float):
    """The frames of `sequence` between the two times (seconds from its first frame): every
    per-frame array of the LandmarkSequence cut alike."""
    first = max(0, int(round(start_s * sequence.fps)))
    last = min(len(sequence), int(round(end_s * sequence.fps)))
    n = len(sequence)
    changes = {
        field.name: getattr(sequence, field.name)[first:last]
        for field in dataclasses.fields(sequence)
        if hasattr(getattr(sequence, field.name), "__len__")
        and not isinstance(getattr(sequence, field.name), tuple | str)
        and len(getattr(sequence, field.name)) == n
    }
    if hasattr(sequence, "duration_s"):
        changes["duration_s"] = max(0, last - first) / sequence.fps
    return dataclasses.replace(sequence, **changes)


def _load(example: ExerciseExample):
    from inference import LandmarkSequence

    with example.landmarks.open("rb") as stored:
        return LandmarkSequence.from_bytes(stored.read())


def _stretch_in_landmarks(example: ExerciseExample) -> tuple[float, float]:
    """The example's start and end in its stored landmarks' own time."""
    return (
        example.start_s - example.landmarks_start_s,
        example.end_s - example.landmarks_start_s,
    )
