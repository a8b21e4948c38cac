from pathlib import PurePosixPath

from rest_framework import serializers

from coach.api.fields import AwareDateTimeField, StrictCharField, StrictModelSerializer
from coach.api.openapi import file_too_large_response
from workouts.models import BOUT_RESULT_FIELDS, Bout, WorkoutSession

# The 413 of a direct or a resumable upload whose video is over WORKOUTS_MAX_UPLOAD_BYTES.
FILE_TOO_LARGE_413 = file_too_large_response("FileTooLarge", "video")


class BoutSerializer(StrictModelSerializer):
    rep_times_s = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        help_text="[start_s, end_s] of each repetition, seconds from the start of the video.",
    )

    class Meta:
        model = Bout
        fields = ["id", *BOUT_RESULT_FIELDS]
        read_only_fields = fields
        extra_kwargs = {
            "confidence": {
                "help_text": "How likely the exercise is right, 0-1 (calibrated: of bouts "
                "at 0.8, about 8 in 10 are right)"
            },
            "count_confidence": {
                "help_text": "How likely the repetition count is exactly right, 0-1; null "
                "for holds and for analyses that give none"
            },
        }


def thumbnail_url(session_id: int, name: str) -> str | None:
    """The poster frame's URL, on this server: named after the file, so a new poster gets a
    new URL and clients may cache each one for good."""
    if not name:
        return None
    return f"/api/v1/sessions/{session_id}/thumbnail/?v={PurePosixPath(name).stem[:12]}"


class SessionSerializer(StrictModelSerializer):
    """A session in lists: no bouts."""

    has_video = serializers.BooleanField(read_only=True)
    thumbnail_url = serializers.SerializerMethodField(
        help_text="A poster frame from the video (JPEG, owner only), as a path on this "
        "server; null until the analysis made one, for a live session that sent landmarks "
        "only, and once the video is deleted."
    )

    class Meta:
        model = WorkoutSession
        fields = [
            "id",
            "title",
            "notes",
            "source",
            "started_at",
            "status",
            "progress",
            "error_code",
            "error_message",
            "duration_s",
            "total_kcal",
            "active_s",
            "total_reps",
            "has_video",
            "thumbnail_url",
            "model_version",
            "created_at",
            "analysed_at",
        ]
        read_only_fields = [f for f in fields if f not in ("title", "notes", "started_at")]
        # Output only (edits go through SessionUpdateSerializer): every answer carries these,
        # so the schema's response components list them as required.
        extra_kwargs = {name: {"required": True} for name in ("title", "notes", "started_at")}

    def get_thumbnail_url(self, session) -> str | None:
        return thumbnail_url(session.pk, session.thumbnail.name)


class BodyMetricsSerializer(serializers.Serializer):
    """The body metrics the calories were computed with; what the user had not given is
    left out (the engine used its stated defaults)."""

    weight_kg = serializers.FloatField(required=False)
    height_cm = serializers.FloatField(required=False)
    age = serializers.FloatField(required=False)
    sex = serializers.CharField(required=False)


class SessionDetailSerializer(SessionSerializer):
    """A session with its bouts, repetitions and the body metrics its calories used."""

    bouts = BoutSerializer(many=True, read_only=True)
    reps_by_exercise = serializers.SerializerMethodField()
    body_metrics = BodyMetricsSerializer(
        read_only=True, allow_null=True, help_text="Body metrics the calories used."
    )

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "reps_by_exercise", "body_metrics", "bouts"]
        read_only_fields = [
            *SessionSerializer.Meta.read_only_fields,
            "reps_by_exercise",
            "body_metrics",
            "bouts",
        ]

    def get_reps_by_exercise(self, session) -> dict[str, int]:
        return reps_by_exercise(session.result)


def reps_by_exercise(result: dict | None) -> dict[str, int]:
    """Repetitions per exercise from a stored analysis result ({} before there is one)."""
    return (result or {}).get("totals", {}).get("reps_by_exercise", {})


class SessionUploadSerializer(serializers.Serializer):
    video = serializers.FileField(
        help_text="The workout video (MP4, MOV, WebM, AVI...). Checked by decoding it."
    )
    title = StrictCharField(max_length=200, required=False, allow_blank=True)
    notes = StrictCharField(max_length=5000, required=False, allow_blank=True)
    started_at = AwareDateTimeField(
        required=False,
        help_text="When the workout started; now by default. Calories use "
        "the body metrics in effect at this time.",
    )


class SessionUpdateSerializer(StrictModelSerializer):
    class Meta:
        model = WorkoutSession
        fields = ["title", "notes", "started_at"]
