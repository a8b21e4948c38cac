"""Runs the analysis engine on a stored session: the body of the Celery task."""

import logging
import shutil
import tempfile
import time
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils.module_loading import import_string

from workouts import selectors, services, thumbnails
from workouts.models import WorkoutSession

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 1.0


class ProgressReporter:
    """Writes progress to the database at most once a second; the engine reports often."""

    def __init__(self, session_id: int):
        self.session_id = session_id
        self.last_write = 0.0

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last_write >= PROGRESS_EVERY_S and fraction < 1.0:
            self.last_write = now
            services.session_set_progress(session_id=self.session_id, fraction=fraction)


def _local_video_path(session: WorkoutSession, folder: str) -> str:
    try:
        return session.video.path
    except NotImplementedError:  # remote storage: work on a local copy
        target = Path(folder) / ("video" + Path(session.video.name).suffix)
        with session.video.open("rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, length=1024 * 1024)
        return str(target)


def poster_of_stored_video(session: WorkoutSession, result: dict) -> bytes | None:
    """The poster frame of the session's stored video (None without one)."""
    if not session.has_video:
        return None
    try:
        with tempfile.TemporaryDirectory(prefix="coach-poster-") as folder:
            path = _local_video_path(session, folder)
            return thumbnails.poster_jpeg(path, thumbnails.poster_time_s(result))
    except Exception:  # a missing poster must not fail the analysis
        log.exception("no poster frame for session %s", session.pk)
        return None


def begin_analysis(*, session_id: int) -> WorkoutSession | str:
    """The session, now `processing`; or the task's outcome ("skipped", "failed") when there
    is nothing to analyse: finished already, or given up after too many crashed attempts."""
    session = services.session_begin_analysis(session_id=session_id)
    if session is None:
        return "skipped"
    if session.analysis_attempts > settings.WORKOUTS_MAX_ANALYSIS_ATTEMPTS:
        services.session_mark_failed(
            session=session,
            code="analysis_crashed",
            message="The analysis stopped unexpectedly several times. Try re-analysing later; "
            "if it keeps failing, the video may be too unusual for the engine.",
        )
        return "failed"
    return session


def run_engine(session: WorkoutSession, analyze):
    """`analyze()`'s result, or None after the session was marked failed with an error the
    user can act on. Unexpected errors mark it failed too, and propagate (logged, retried)."""
    from inference import ModelNotTrainedError, VideoDecodeError

    try:
        return analyze()
    except VideoDecodeError as error:
        services.session_mark_failed(
            session=session,
            code="unreadable_video",
            message=f"The video could not be decoded ({error}). Upload it again or export it "
            "as MP4 (H.264).",
        )
    except ModelNotTrainedError:
        services.session_mark_failed(
            session=session,
            code="engine_unavailable",
            message="The analysis engine has no trained weights installed. Ask the "
            "administrator to run `python -m inference train`.",
        )
    except SoftTimeLimitExceeded:
        services.session_mark_failed(
            session=session,
            code="analysis_timeout",
            message="The analysis took longer than the time limit. Try a shorter workout.",
        )
    except Exception:
        log.exception("analysis of session %s failed", session.id)
        services.session_mark_failed(
            session=session,
            code="internal_error",
            message="The analysis failed because of an error on our side. Try re-analysing.",
        )
        raise
    return None


def custom_model_for(user):
    """The user's own exercises as the engine takes them (inference.CustomModel), or None.
    The app that keeps them names its loader in settings.WORKOUTS_CUSTOM_MODEL (taking
    `user=`), so workouts never imports it: that app builds on sessions and bouts."""
    loader = getattr(settings, "WORKOUTS_CUSTOM_MODEL", "")
    return import_string(loader)(user=user) if loader else None


def run_session_analysis(*, session_id: int) -> str:
    """Analyses the session once. Safe to call again for the same id: a finished session is
    left alone and a rerun replaces the results of an interrupted one."""
    # Imported here so Celery's parent process never loads torch/mediapipe before forking.
    from inference import analyze_video

    session = begin_analysis(session_id=session_id)
    if isinstance(session, str):
        return session
    if not session.has_video:
        services.session_mark_failed(
            session=session,
            code="video_missing",
            message="The video of this session is no longer stored.",
        )
        return "failed"

    body = selectors.body_metrics_at(user=session.user, at=session.started_at)
    custom = custom_model_for(session.user)

    def analyze():
        with tempfile.TemporaryDirectory(prefix="coach-analysis-") as folder:
            path = _local_video_path(session, folder)
            result, sequence = analyze_video(
                path,
                body=body,
                progress=ProgressReporter(session.id),
                custom=custom,
                keep_landmarks=True,
            )
            # While the file is at hand (a remote one is copied here once).
            result = result.to_dict()
            poster = thumbnails.poster_jpeg(path, thumbnails.poster_time_s(result))
            return result, sequence, poster

    analysed = run_engine(session, analyze)
    if analysed is None:
        return "failed"
    result, sequence, poster = analysed
    stored = services.session_record_analysis(
        session=session,
        result=result,
        body_metrics=body,
        landmarks=sequence.to_bytes(),
        poster=poster,
    )
    if not stored:
        return "skipped"  # the session was deleted while it was analysed
    if session.user.video_retention_days == 0:  # the user keeps results, not videos
        services.session_delete_video(session=WorkoutSession.objects.get(pk=session.pk))
    return "done"
