"""The final analysis of a stopped live session: its stored landmarks through the engine's
one analysis path, recorded exactly as an uploaded video's result is. The camera frames
become the session's video first (workouts/live/video.py)."""

import logging

from workouts import selectors, services
from workouts.analysis import (
    ProgressReporter,
    begin_analysis,
    custom_model_for,
    poster_of_stored_video,
    run_engine,
)
from workouts.live import services as live_services
from workouts.live import video as live_video
from workouts.models import LiveStream, WorkoutSession

log = logging.getLogger(__name__)


def run_live_session_analysis(*, session_id: int) -> str:
    """Safe to call again for the same id, like run_session_analysis."""
    from inference import analyze_sequence, default_backbone

    session = begin_analysis(session_id=session_id)
    if isinstance(session, str):
        return session
    stream = LiveStream.objects.filter(session=session).first()
    if stream is None or stream.frames == 0:
        services.session_mark_failed(
            session=session,
            code="no_frames",
            message="The live session received no frames, so there is nothing to analyse.",
        )
        return "failed"
    try:  # the frames become the session's video; results do not depend on it
        live_video.attach_video(
            session=session, frames=stream.frames, progress=ProgressReporter(session.pk)
        )
    except Exception:
        log.exception("the video of live session %s could not be made", session.pk)
    body = selectors.body_metrics_at(user=session.user, at=session.started_at)
    sequence = live_services.live_sequence(stream=stream)
    # Named after the backbone the live workers run (device landmarks follow its format).
    backbone_name = default_backbone().name
    custom = custom_model_for(session.user)
    result = run_engine(
        session,
        lambda: analyze_sequence(sequence, body, backbone_name=backbone_name, custom=custom),
    )
    if result is None:
        return "failed"
    result = result.to_dict()
    # The poster of a stream that sent camera frames comes from the video they became;
    # a landmarks-only stream has none.
    stored_video = WorkoutSession.objects.filter(pk=session.pk).first()
    poster = poster_of_stored_video(stored_video, result) if stored_video else None
    stored = services.session_record_analysis(
        session=session,
        result=result,
        body_metrics=body,
        landmarks=sequence.to_bytes(),
        poster=poster,
    )
    return "done" if stored else "skipped"
