from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coach.api.fields import StrictCharField
from exercises.models import CustomExercise, ExerciseExample, ExerciseKind, ExerciseModel
from workouts.models import Bout, WorkoutSession


class ExerciseSerializer(serializers.Serializer):
    """One exercise of the catalogue: built-in, or (for its owner only) custom."""

    exercise = serializers.CharField(help_text="The slug bouts carry, e.g. `bicep_curl`.")
    display_name = serializers.CharField()
    measure = serializers.ChoiceField(
        choices=ExerciseKind.choices, help_text="Counted in repetitions, or held for a time."
    )
    met = serializers.FloatField(help_text="Metabolic equivalent before intensity adjustment.")
    compendium_code = serializers.CharField(help_text="Empty for a custom exercise given a MET.")
    compendium_activity = serializers.CharField()
    custom = serializers.BooleanField(help_text="One of the user's own exercises.")


def custom_exercise_row(exercise: CustomExercise) -> dict:
    """A custom exercise as a catalogue row (ExerciseSerializer)."""
    return {
        "exercise": exercise.slug,
        "display_name": exercise.name,
        "measure": exercise.kind,
        "met": exercise.met,
        "compendium_code": exercise.compendium_code,
        "compendium_activity": "",
        "custom": True,
    }


class ExerciseModelSerializer(serializers.ModelSerializer):
    """The training of the user's custom-exercise model (one model for all of them)."""

    exercises = serializers.ListField(
        source="slugs",
        child=serializers.CharField(),
        read_only=True,
        help_text="The exercises the current model recognises (those with a usable example).",
    )

    class Meta:
        model = ExerciseModel
        fields = [
            "status",
            "failure_reason",
            "accuracy",
            "examples_used",
            "exercises",
            "trained_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "status": {
                "help_text": "`untrained` (no examples yet), `training` (a run is queued or "
                "running), `ready`, or `failed` (see `failure_reason`)."
            },
            "accuracy": {
                "help_text": "Cross-validated estimate, 0-1, of how often the model names "
                "your exercises right; null while there are too few examples to tell."
            },
        }


class CustomExerciseSerializer(serializers.ModelSerializer):
    """One of the user's own exercises, with its examples and the training state."""

    exercise = serializers.CharField(source="slug", read_only=True)
    display_name = serializers.CharField(source="name", read_only=True)
    measure = serializers.ChoiceField(source="kind", choices=ExerciseKind.choices, read_only=True)
    examples_count = serializers.SerializerMethodField()
    examples_ready = serializers.SerializerMethodField(
        help_text="Examples whose movements are ready for training."
    )
    training = serializers.SerializerMethodField()

    class Meta:
        model = CustomExercise
        fields = [
            "exercise",
            "display_name",
            "measure",
            "met",
            "compendium_code",
            "examples_count",
            "examples_ready",
            "training",
            "created_at",
        ]
        read_only_fields = fields

    def get_examples_count(self, exercise) -> int:
        return getattr(exercise, "examples_count", None) or exercise.examples.count()

    def get_examples_ready(self, exercise) -> int:
        if hasattr(exercise, "examples_ready"):
            return exercise.examples_ready
        return exercise.examples.filter(status="ready").count()

    @extend_schema_field(ExerciseModelSerializer)
    def get_training(self, exercise) -> dict:
        return ExerciseModelSerializer(self.context["model"]).data


class CustomExerciseCreateSerializer(serializers.Serializer):
    name = StrictCharField(
        max_length=80,
        help_text="What it is called; its slug (what bouts carry) is made from it and must "
        "not be a built-in exercise's.",
    )
    measure = serializers.ChoiceField(choices=ExerciseKind.choices)
    met = serializers.FloatField(
        required=False, min_value=1.0, max_value=25.0, help_text="Else from `compendium_code`."
    )
    compendium_code = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=8,
        help_text="A Compendium of Physical Activities code the catalogue lists; without it "
        "or `met`, the MET of moderate calisthenics (reps) or light calisthenics (hold).",
    )


class CustomExerciseUpdateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=80, required=False)
    measure = serializers.ChoiceField(choices=ExerciseKind.choices, required=False)
    met = serializers.FloatField(required=False, min_value=1.0, max_value=25.0)
    compendium_code = StrictCharField(required=False, allow_blank=True, max_length=8)


class ExampleSerializer(serializers.ModelSerializer):
    exercise = serializers.CharField(source="exercise.slug", read_only=True)
    session = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    video_url = serializers.SerializerMethodField(
        help_text="Where to play the example (a media fragment gives its stretch); null when "
        "its video is no longer stored."
    )

    class Meta:
        model = ExerciseExample
        fields = [
            "id",
            "exercise",
            "source",
            "session",
            "start_s",
            "end_s",
            "status",
            "error_message",
            "video_url",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "status": {
                "help_text": "`pending` until a worker has its movements, then `ready`, or "
                "`failed` (see `error_message`)."
            }
        }

    def get_video_url(self, example) -> str | None:
        fragment = f"#t={example.start_s:g},{example.end_s:g}"
        if example.video:
            return (
                f"/api/v1/exercises/{example.exercise.slug}/examples/{example.pk}/video/" + fragment
            )
        if example.session is not None and example.session.has_video:
            return f"/api/v1/sessions/{example.session_id}/video/{fragment}"
        return None


class OwnedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """An id among the requesting user's own rows: another user's id is "does not exist"."""

    def get_queryset(self):
        return super().get_queryset().filter(user=self.context["request"].user)


class ExampleCreateSerializer(serializers.Serializer):
    """One of: `session` with `start_s` and `end_s`; `bout`; or `video` (multipart),
    optionally with `start_s` and `end_s`."""

    session = OwnedPrimaryKeyField(
        queryset=WorkoutSession.objects.all(), required=False, help_text="One of your sessions."
    )
    bout = OwnedPrimaryKeyField(
        queryset=Bout.objects.select_related("session"),
        required=False,
        help_text="A bout of one of your sessions (its `id`): the whole bout.",
    )
    start_s = serializers.FloatField(required=False, min_value=0)
    end_s = serializers.FloatField(required=False, min_value=0)
    video = serializers.FileField(
        required=False, help_text="A short video of the exercise (checked by decoding it)."
    )

    def validate(self, data):
        given = [name for name in ("session", "bout", "video") if name in data]
        if len(given) != 1:
            raise serializers.ValidationError(
                "Give exactly one of `session` (with `start_s` and `end_s`), `bout` or `video`.",
                code="no_source",
            )
        if "session" in data:
            for name in ("start_s", "end_s"):
                if name not in data:
                    raise serializers.ValidationError(
                        {name: "An example from a session needs `start_s` and `end_s`."},
                        code="required",
                    )
        return data


class BoutCorrectionSerializer(serializers.Serializer):
    exercise = StrictCharField(
        max_length=40, help_text="A built-in exercise's slug or one of your own."
    )
    keep_as_example = serializers.BooleanField(
        default=True,
        help_text="Keep the corrected bout as an example of your own exercise (it is only "
        "kept for one of yours), so the model learns from it.",
    )
