"""A user's own exercises, the examples that teach them, and the model trained from those.

Built on workouts: an example is a stretch of one of the user's sessions (or a bout of one,
or a short video of its own), and bouts carry a custom exercise's slug like a built-in one.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models

from workouts.models import WorkoutSession


class ExerciseKind(models.TextChoices):
    REPS = "reps", "Counted in repetitions"
    HOLD = "hold", "Held for a time"


class CustomExercise(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="custom_exercises"
    )
    # What bouts carry (Bout.exercise), made from the name once; never a built-in slug.
    slug = models.CharField(max_length=40)
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=8, choices=ExerciseKind.choices)
    met = models.FloatField(help_text="Metabolic equivalent its calories use.")
    compendium_code = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "slug"], name="exercises_custom_unique_slug"),
        ]

    def __str__(self):
        return f"{self.name} ({self.slug})"


class ExampleSource(models.TextChoices):
    SESSION = "session", "A stretch of a session"
    BOUT = "bout", "A bout of a session"
    CORRECTION = "correction", "A corrected bout"
    VIDEO = "video", "A video of its own"


class ExampleStatus(models.TextChoices):
    PENDING = "pending", "Waiting for its landmarks"
    READY = "ready", "Ready for training"
    FAILED = "failed", "Unusable"


def example_video_path(example: "ExerciseExample", filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"examples/{example.user_id}/{uuid.uuid4().hex}{suffix}"


def example_landmarks_path(example: "ExerciseExample", filename: str) -> str:
    return f"examples/{example.user_id}/{uuid.uuid4().hex}.bin"


class ExerciseExample(models.Model):
    """`start_s`..`end_s` of a session (or of the example's own video) showing the exercise.

    A worker cuts the stretch's landmarks out of the session's stored ones (or runs the pose
    model over the video) and keeps them here, so the example outlives its session."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_examples"
    )
    exercise = models.ForeignKey(CustomExercise, on_delete=models.CASCADE, related_name="examples")
    source = models.CharField(max_length=16, choices=ExampleSource.choices)
    session = models.ForeignKey(
        WorkoutSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start_s = models.FloatField()
    end_s = models.FloatField()
    video = models.FileField(upload_to=example_video_path, blank=True, max_length=255)
    # The stretch's landmarks with a little on either side, from `landmarks_start_s` on.
    landmarks = models.FileField(upload_to=example_landmarks_path, blank=True, max_length=255)
    landmarks_start_s = models.FloatField(default=0.0)
    status = models.CharField(
        max_length=16, choices=ExampleStatus.choices, default=ExampleStatus.PENDING
    )
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_s__gt=models.F("start_s"), start_s__gte=0),
                name="exercises_example_stretch",
            ),
        ]


class TrainingStatus(models.TextChoices):
    UNTRAINED = "untrained", "No model yet"
    TRAINING = "training", "Training"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ExerciseModel(models.Model):
    """The user's trained custom-exercise model (inference.CustomModel, a few KB) and the
    state of its training.

    Every change to the user's exercises or examples counts `requested_version` up and
    queues a training run for that version after a short delay; a run whose version is no
    longer the newest stores nothing, so a burst of changes trains once and an older run
    finishing late never overwrites a newer model."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="exercise_model",
    )
    status = models.CharField(
        max_length=16, choices=TrainingStatus.choices, default=TrainingStatus.UNTRAINED
    )
    failure_reason = models.TextField(blank=True)
    requested_version = models.PositiveIntegerField(default=0)
    trained_version = models.PositiveIntegerField(default=0)
    model = models.BinaryField(blank=True, default=b"")
    slugs = models.JSONField(default=list, help_text="The exercises the model knows.")
    accuracy = models.FloatField(null=True, blank=True)
    examples_used = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
