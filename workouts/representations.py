"""Sessions as the API shows them, built from plain database rows (`.values()`).

The read paths that serve the most (the sessions list and one session) skip the model
instance and the DRF serializer per row: with them a page of 50 sessions cost ~20 ms,
most of it building objects and decoding JSON columns the answer does not show. The
answers are the same to the byte as `SessionSerializer` / `SessionDetailSerializer` give
(tests render both and compare); those serializers stay the reference, describe the
schema and render the write answers. A field added to them must be added here too, or the
comparison tests fail.
"""

from django.utils import timezone

from workouts.serializers import (
    BodyMetricsSerializer,
    BoutSerializer,
    SessionSerializer,
    reps_by_exercise,
    thumbnail_url,
)

# The columns of the serializers' fields; `has_video` is computed from two others,
# `thumbnail_url` from the thumbnail's name.
COMPUTED_FIELDS = ("has_video", "thumbnail_url")
SESSION_COLUMNS = (
    *(name for name in SessionSerializer.Meta.fields if name not in COMPUTED_FIELDS),
    "video",
    "video_deleted_at",
    "thumbnail",
)
SESSION_DETAIL_COLUMNS = (*SESSION_COLUMNS, "result", "body_metrics")
BOUT_COLUMNS = tuple(BoutSerializer.Meta.fields)


def _datetime(value, tz) -> str:
    # As DRF's DateTimeField writes it: ISO 8601 in the current time zone, UTC as "Z".
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _float(value):
    return None if value is None else float(value)


def sessions(rows) -> list[dict]:
    """Sessions in lists (SessionSerializer)."""
    tz = timezone.get_current_timezone()  # once: a page has 150 date-times
    return [session(row, tz) for row in rows]


def session(row: dict, tz=None) -> dict:
    """A session in lists (SessionSerializer)."""
    tz = tz or timezone.get_current_timezone()
    return {
        "id": row["id"],
        "title": row["title"],
        "notes": row["notes"],
        "source": row["source"],
        "started_at": _datetime(row["started_at"], tz),
        "status": row["status"],
        "progress": float(row["progress"]),
        "error_code": row["error_code"],
        "error_message": row["error_message"],
        "duration_s": _float(row["duration_s"]),
        "total_kcal": float(row["total_kcal"]),
        "active_s": float(row["active_s"]),
        "total_reps": row["total_reps"],
        # WorkoutSession.has_video, from the row
        "has_video": bool(row["video"]) and row["video_deleted_at"] is None,
        "thumbnail_url": thumbnail_url(row["id"], row["thumbnail"]),
        "model_version": row["model_version"],
        "created_at": _datetime(row["created_at"], tz),
        "analysed_at": None if row["analysed_at"] is None else _datetime(row["analysed_at"], tz),
    }


def bout(row: dict) -> dict:
    """One bout of a session (BoutSerializer): repetition times are floats, as FloatField
    children make them."""
    return {
        "id": row["id"],
        "exercise": row["exercise"],
        "start_s": float(row["start_s"]),
        "end_s": float(row["end_s"]),
        "reps": row["reps"],
        "rep_times_s": [
            None if pair is None else [_float(t) for t in pair] for pair in row["rep_times_s"]
        ],
        "hold_s": _float(row["hold_s"]),
        "met": float(row["met"]),
        "kcal": float(row["kcal"]),
        "confidence": float(row["confidence"]),
        "count_confidence": _float(row["count_confidence"]),
    }


def session_detail(row: dict, bout_rows) -> dict:
    """A session with its bouts (SessionDetailSerializer); `bout_rows` in position order."""
    metrics = row["body_metrics"]
    return {
        **session(row),
        "reps_by_exercise": reps_by_exercise(row["result"]),
        "body_metrics": None if metrics is None else BodyMetricsSerializer(metrics).data,
        "bouts": [bout(b) for b in bout_rows],
    }
