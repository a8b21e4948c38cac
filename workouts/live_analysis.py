"""The final analysis of a stopped live session: its stored landmarks through the engine's
one analysis path, recorded exactly as an uploaded video's result is."""

import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from workouts import live_services, selectors, services
from workouts.models import LiveStream

log = logging.getLogger(__name__)

BACKBONE_NAME = "blazepose_full"  # the server's backbone; device landmarks follow its format


def run_live_session_analysis(*, session_id: int) -> str:
    """Safe to call again for the same id, like run_session_analysis."""
    from inference import ModelNotTrainedError, analyze_sequence

    session = services.session_begin_analysis(session_id=session_id)
    if session is None:
        return "skipped"
    if session.analysis_attempts > settings.WORKOUTS_MAX_ANALYSIS_ATTEMPTS:
        services.session_mark_failed(
            session=session,
            code="analysis_crashed",
            message="The analysis stopped unexpectedly several times. Try re-analysing later.",
        )
        return "failed"
    stream = LiveStream.objects.filter(session=session).first()
    if stream is None or stream.frames == 0:
        services.session_mark_failed(
            session=session,
            code="no_frames",
            message="The live session received no frames, so there is nothing to analyse.",
        )
        return "failed"
    body = selectors.body_metrics_at(user=session.user, at=session.started_at)
    sequence = live_services.live_sequence(stream=stream)
    try:
        result = analyze_sequence(sequence, body, backbone_name=BACKBONE_NAME)
    except ModelNotTrainedError:
        services.session_mark_failed(
            session=session,
            code="engine_unavailable",
            message="The analysis engine has no trained weights installed. Ask the "
            "administrator to run `python -m inference train`.",
        )
        return "failed"
    except SoftTimeLimitExceeded:
        services.session_mark_failed(
            session=session,
            code="analysis_timeout",
            message="The analysis took longer than the time limit.",
        )
        return "failed"
    except Exception:
        log.exception("analysis of live session %s failed", session_id)
        services.session_mark_failed(
            session=session,
            code="internal_error",
            message="The analysis failed because of an error on our side. Try re-analysing.",
        )
        raise
    stored = services.session_record_analysis(
        session=session, result=result.to_dict(), body_metrics=body
    )
    return "done" if stored else "skipped"
