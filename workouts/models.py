"""Workout sessions and the bouts the analysis engine found in them."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone

from users.validators import validate_not_in_future


class SessionStatus(models.TextChoices):
    LIVE = "live", "Streaming live"
    PENDING = "pending", "Waiting for a worker"
    PROCESSING = "processing", "Being analysed"
    DONE = "done", "Analysed"
    FAILED = "failed", "Failed"


class SessionSource(models.TextChoices):
    UPLOAD = "upload", "Uploaded video"
    LIVE = "live", "Live stream"


# A live session holds a worker's attention too, so it counts against the in-flight limit.
IN_FLIGHT_STATUSES = (SessionStatus.LIVE, SessionStatus.PENDING, SessionStatus.PROCESSING)


def video_upload_path(session: "WorkoutSession", filename: str) -> str:
    # The user's file name is kept only for its extension: it may contain anything.
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"videos/{session.user_id}/{uuid.uuid4().hex}{suffix}"


def thumbnail_upload_path(session: "WorkoutSession", filename: str) -> str:
    # A new name for every poster: its URL carries the name, so clients may cache it.
    return f"thumbnails/{session.user_id}/{uuid.uuid4().hex}.jpg"


def landmarks_upload_path(session: "WorkoutSession", filename: str) -> str:
    return f"landmarks/{session.user_id}/{uuid.uuid4().hex}.bin"


class WorkoutSession(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workout_sessions"
    )
    title = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True, max_length=5000)
    source = models.CharField(
        max_length=16, choices=SessionSource.choices, default=SessionSource.UPLOAD
    )
    started_at = models.DateTimeField(default=timezone.now, validators=[validate_not_in_future])

    video = models.FileField(upload_to=video_upload_path, blank=True, max_length=255)
    video_size_bytes = models.BigIntegerField(null=True, blank=True)
    video_deleted_at = models.DateTimeField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    thumbnail = models.FileField(
        upload_to=thumbnail_upload_path,
        blank=True,
        max_length=255,
        help_text="A poster frame (JPEG) from the video, made by the analysis.",
    )

    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.PENDING
    )
    progress = models.FloatField(default=0.0, help_text="0..1 while processing.")
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    analysis_attempts = models.PositiveSmallIntegerField(default=0)
    idempotency_key = models.CharField(
        max_length=255,
        blank=True,
        help_text="The client's Idempotency-Key of the upload that created it (a day long).",
    )
    enqueued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the analysis task last reached the broker; null while it has not.",
    )
    analysed_at = models.DateTimeField(null=True, blank=True)
    model_version = models.CharField(max_length=80, blank=True)
    body_metrics = models.JSONField(
        null=True, blank=True, help_text="Body metrics the calories were computed with."
    )
    result = models.JSONField(null=True, blank=True, help_text="The engine's full result.")
    # The landmarks the analysis ran on (inference.LandmarkSequence.to_bytes), kept so that
    # a correction recounts a bout and an example is cut from it with no pose run. A file,
    # not a column: an hour-long session's landmarks are megabytes. Empty for sessions
    # analysed before they were kept.
    landmarks = models.FileField(upload_to=landmarks_upload_path, blank=True, max_length=255)

    # Totals copied out of `result` so statistics are plain indexed aggregates.
    total_kcal = models.FloatField(default=0.0)
    active_s = models.FloatField(default=0.0)
    total_reps = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-started_at"], name="workouts_session_user_time"),
            models.Index(fields=["user", "status"], name="workouts_session_user_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="workouts_session_idempotency_key",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__gte=0, progress__lte=1),
                name="workouts_session_progress_fraction",
            ),
        ]

    def __str__(self):
        return f"{self.title or 'Workout'} ({self.started_at:%Y-%m-%d}, {self.status})"

    @property
    def has_video(self) -> bool:
        return bool(self.video) and self.video_deleted_at is None


# The fields of a bout in the engine's result that its Bout row copies.
BOUT_RESULT_FIELDS = (
    "exercise",
    "start_s",
    "end_s",
    "reps",
    "rep_times_s",
    "hold_s",
    "met",
    "kcal",
    "confidence",
    "count_confidence",
)


class Bout(models.Model):
    """One stretch of one exercise inside a session. `user` and `started_at` are copied
    from the session so per-user statistics need no join."""

    session = models.ForeignKey(WorkoutSession, on_delete=models.CASCADE, related_name="bouts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_started_at = models.DateTimeField()
    position = models.PositiveSmallIntegerField()
    exercise = models.CharField(max_length=40)
    start_s = models.FloatField()
    end_s = models.FloatField()
    reps = models.PositiveIntegerField(default=0)
    rep_times_s = models.JSONField(default=list, help_text="[[start_s, end_s], ...] per rep.")
    hold_s = models.FloatField(null=True, blank=True)
    met = models.FloatField()
    kcal = models.FloatField()
    confidence = models.FloatField()  # how likely the exercise is right, 0-1 (calibrated)
    # How likely the repetition count is exactly right, 0-1; null for holds and for
    # analyses that give none (older results, weights without a count calibrator).
    count_confidence = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "position"], name="workouts_bout_unique_position"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "exercise"], name="workouts_bout_user_exercise"),
            models.Index(fields=["user", "session_started_at"], name="workouts_bout_user_time"),
        ]

    def __str__(self):
        return f"{self.exercise} {self.start_s:.1f}-{self.end_s:.1f}s ({self.reps} reps)"


def partial_upload_path(upload_id) -> str:
    return f"uploads/partial/{upload_id}"


# Direct uploads while they are received (workouts.uploads.direct); no row names them.
INCOMING_UPLOADS_FOLDER = "uploads/incoming"


class ChunkedUpload(models.Model):
    """A resumable (tus 1.0) upload in progress. Bytes land in a file under MEDIA_ROOT; on
    completion they become a WorkoutSession like any upload."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chunked_uploads"
    )
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    filename = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True, max_length=5000)
    started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # Set on completion: the upload stays until it expires, so a retried completion (its
    # answer lost) gets the same session again.
    session = models.OneToOneField(
        WorkoutSession, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="workouts_upload_expiry")]

    @property
    def relative_path(self) -> str:
        return partial_upload_path(self.id)

    @property
    def is_complete(self) -> bool:
        return self.offset == self.length


class LiveStream(models.Model):
    """Ingest state of a live session, shared by every web process and worker that touches
    it: how far the analysis grid is filled and the running live estimate."""

    session = models.OneToOneField(
        WorkoutSession, on_delete=models.CASCADE, primary_key=True, related_name="live_stream"
    )
    frames = models.PositiveIntegerField(default=0, help_text="Analysis-grid frames stored.")
    received_s = models.FloatField(default=0.0, help_text="Client time of the newest frame.")
    frame_width = models.PositiveIntegerField(default=0)
    frame_height = models.PositiveIntegerField(default=0)
    chunks = models.PositiveIntegerField(default=0)
    body_metrics = models.JSONField(default=dict)
    # The live estimate (inference.live_state): committed totals and the latest values.
    state = models.JSONField(default=dict)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # The WebSocket connection streaming to it (set by start and resume): a resume on a new
    # connection supersedes the old one, whose later frames and stop are refused.
    connection = models.CharField(max_length=32, blank=True, default="")
    # The pose backbone's tracking after the newest frame (LiteRtBlazePoseBackbone's
    # tracking_state), so the worker that takes the next chunk goes on tracking exactly.
    tracking = models.BinaryField(blank=True, default=b"")

    class Meta:
        indexes = [models.Index(fields=["last_activity_at"], name="workouts_live_activity")]


class LiveChunk(models.Model):
    """Landmarks of consecutive analysis-grid frames of a live session (compressed npz), so
    any worker, a resumed connection and the final analysis all see the same frames."""

    stream = models.ForeignKey(LiveStream, on_delete=models.CASCADE, related_name="chunk_rows")
    seq = models.PositiveIntegerField()
    first_frame = models.PositiveIntegerField()
    frame_count = models.PositiveIntegerField()
    landmarks = models.BinaryField()

    class Meta:
        ordering = ["stream", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="workouts_livechunk_seq"),
        ]


class LiveBatch(models.Model):
    """Frames received for a live session and not analysed yet. The consumer stores them
    here and sends the worker only this row's id: message brokers (the embedded filesystem
    one especially) are no place for megabytes of JPEG, and received frames survive a web
    process that goes away."""

    stream = models.ForeignKey(LiveStream, on_delete=models.CASCADE, related_name="batches")
    payload = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Counts up while a worker works on the batch (once when it starts, then every
    # LIVE_BATCH_BEAT_S): the consumer sends a batch again whose count stopped moving. A
    # counter rather than a time, so no two machines' clocks are ever compared.
    beats = models.PositiveIntegerField(default=0)
