"""Poster frames: one JPEG per session for history lists, taken from its video by the
analysis worker (which has the file at hand). The frame is the middle of the first bout,
where the person is doing the exercise, or 1 s in when nothing was found (the first frame
is often the phone being set down)."""

import logging

log = logging.getLogger(__name__)

POSTER_LONG_SIDE = 480
POSTER_QUALITY = 80
DEFAULT_POSTER_S = 1.0


def poster_time_s(result: dict) -> float:
    """When in the video the poster is taken, from the engine's result."""
    bouts = result.get("bouts") or []
    if bouts:
        return (bouts[0]["start_s"] + bouts[0]["end_s"]) / 2
    duration = result.get("duration_s") or 0.0
    return min(DEFAULT_POSTER_S, duration / 2)


def poster_jpeg(path: str, at_s: float) -> bytes | None:
    """The frame at `at_s` (the first frame where seeking fails), its long side at most
    POSTER_LONG_SIDE, as JPEG; None when nothing decodes. Never raises: a missing poster
    must not fail an analysis."""
    try:
        return _poster_jpeg(path, at_s)
    except Exception:
        log.exception("no poster frame from %s", path)
        return None


def _poster_jpeg(path: str, at_s: float) -> bytes | None:
    import cv2  # on use: web processes never load OpenCV for this

    capture = cv2.VideoCapture(path)
    try:
        capture.set(cv2.CAP_PROP_POS_MSEC, max(0.0, at_s) * 1000)
        ok, frame = capture.read()
        if not ok:
            capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = capture.read()
        if not ok or frame is None:
            return None
    finally:
        capture.release()
    height, width = frame.shape[:2]
    scale = POSTER_LONG_SIDE / max(height, width)
    if scale < 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, POSTER_QUALITY])
    return data.tobytes() if ok else None
