"""Checks an uploaded file by decoding it: the name and declared type are never trusted."""

from dataclasses import dataclass

MIN_DURATION_S = 1.0


class VideoRejected(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CheckedVideo:
    duration_s: float
    width: int
    height: int
    fps: float


def check_video(path: str, *, max_duration_s: float) -> CheckedVideo:
    """Opens the file with the same decoder the analysis uses and decodes its first frame."""
    # Imported on use: web processes need the engine (OpenCV, NumPy) only for this check.
    from inference import FrameStream, VideoDecodeError, probe

    try:
        info = probe(path)
        first_frame = next(iter(FrameStream(path)), None)
    except VideoDecodeError:
        raise VideoRejected(
            "unreadable_video",
            "This file is not a video we can read. Upload an MP4, MOV, WebM or AVI file.",
        )
    if first_frame is not None and info.duration_s < MIN_DURATION_S:
        # FFmpeg opens a still image as a one-frame "video"; so does a truncated clip.
        raise VideoRejected(
            "unreadable_video",
            f"This file holds less than {MIN_DURATION_S:g} second of video (a still image, "
            "or a clip cut short). Upload the whole workout video.",
        )
    if first_frame is None or info.width <= 0 or info.height <= 0:
        raise VideoRejected(
            "unreadable_video",
            "The video has no frames we can decode; it may be truncated or corrupt.",
        )
    if info.duration_s > max_duration_s:
        raise VideoRejected(
            "video_too_long",
            f"The video is {info.duration_s / 60:.0f} minutes long; the limit is "
            f"{max_duration_s / 60:.0f} minutes.",
        )
    return CheckedVideo(info.duration_s, info.width, info.height, info.fps)
