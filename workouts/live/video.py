"""The video of a live session: the camera frames on the analysis grid, kept as they arrive
and turned into one WebM file when the session stops, so a live session can be watched
(and its bouts seeked) like an upload.

Workers write the JPEG frames of each stored chunk to the media storage, one file per chunk
named by its first grid frame (a redelivered chunk rewrites the same name). The final
analysis encodes them, in grid order, as VP8 WebM at the analysis rate: OpenCV's FFmpeg
has no H.264 encoder, and VP8 plays in every current browser. Grid frames with no picture
(landmarks sent by the device, a frame lost with a crashed worker) repeat the one before.
"""

import logging
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from inference import ANALYSIS_FPS
from workouts.models import WorkoutSession

log = logging.getLogger(__name__)

LENGTH = struct.Struct(">I")
SUFFIX = ".jpegs"
FOURCC = "VP80"


def frames_folder(session_id: int) -> str:
    return f"live/{session_id}"


def _chunk_name(session_id: int, first_frame: int) -> str:
    return f"{frames_folder(session_id)}/{first_frame:09d}{SUFFIX}"


def pack_jpegs(jpegs: list[bytes | None]) -> bytes:
    """One length-prefixed JPEG per grid frame; length 0 for a frame without a picture."""
    return b"".join(LENGTH.pack(len(j or b"")) + (j or b"") for j in jpegs)


def unpack_jpegs(data: bytes) -> list[bytes | None]:
    jpegs, offset = [], 0
    while offset + LENGTH.size <= len(data):
        (size,) = LENGTH.unpack_from(data, offset)
        offset += LENGTH.size
        jpegs.append(data[offset : offset + size] or None)
        offset += size
    return jpegs


def store_frames(*, session_id: int, first_frame: int, jpegs: list[bytes | None]) -> None:
    """Keeps the pictures of grid frames `first_frame`... (nothing when there are none)."""
    if not any(jpegs):
        return
    name = _chunk_name(session_id, first_frame)
    default_storage.delete(name)  # a redelivered chunk: same frames, same name
    default_storage.save(name, ContentFile(pack_jpegs(jpegs)))


def stored_chunks(session_id: int) -> list[tuple[int, str]]:
    """(first grid frame, storage name) of the kept chunks, in order."""
    folder = frames_folder(session_id)
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    chunks = []
    for name in files:
        if name.endswith(SUFFIX) and name[: -len(SUFFIX)].isdigit():
            chunks.append((int(name[: -len(SUFFIX)]), f"{folder}/{name}"))
    return sorted(chunks)


def discard_frames(session_id: int, chunks: list[tuple[int, str]] | None = None) -> None:
    for _, name in stored_chunks(session_id) if chunks is None else chunks:
        default_storage.delete(name)
    try:
        default_storage.delete(frames_folder(session_id))  # the empty folder, where it is one
    except OSError:
        pass


def _grid_pictures(chunks: list[tuple[int, str]], frames: int) -> Iterator[bytes | None]:
    """The JPEG of every grid frame 0..frames-1 in order (None where none was kept), reading
    one chunk file at a time: an hour of pictures is over a gigabyte."""
    next_frame = 0
    for first, name in chunks:
        with default_storage.open(name, "rb") as handle:
            jpegs = unpack_jpegs(handle.read())
        for frame, jpeg in enumerate(jpegs, start=first):
            if next_frame <= frame < frames:
                yield from [None] * (frame - next_frame)
                yield jpeg
                next_frame = frame + 1
    yield from [None] * (frames - next_frame)


def encode_video(
    pictures: Iterable[bytes | None],
    path: Path,
    progress: Callable[[float], None] | None = None,
    count: int | None = None,
) -> bool:
    """Writes the pictures as a WebM file at the analysis rate; False when none decodes.
    `count` (how many pictures there are) scales `progress`."""
    import cv2

    writer, size, last = None, None, None

    def fitted(frame):
        return frame if (frame.shape[1], frame.shape[0]) == size else cv2.resize(frame, size)

    try:
        for i, jpeg in enumerate(pictures):
            frame = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR) if jpeg else None
            if frame is not None and writer is None:
                size = (frame.shape[1] // 2 * 2, frame.shape[0] // 2 * 2)  # even, for VP8
                writer = cv2.VideoWriter(
                    str(path), cv2.VideoWriter_fourcc(*FOURCC), ANALYSIS_FPS, size
                )
                if not writer.isOpened():
                    raise RuntimeError(f"OpenCV cannot write {FOURCC} video")
                for _ in range(i):  # before the first picture: it, so the timeline holds
                    writer.write(fitted(frame))
            if frame is not None:
                last = fitted(frame)
            if writer is not None:
                writer.write(last)
            if progress is not None and count and i % 50 == 0:
                progress(i / count)
    finally:
        if writer is not None:
            writer.release()
    return writer is not None


def attach_video(
    *, session: WorkoutSession, frames: int, progress: Callable[[float], None] | None = None
) -> bool:
    """Encodes the kept frames into the session's video and discards them; False when the
    session kept none (landmarks-only streams, or a video attached already)."""
    chunks = [] if session.video else stored_chunks(session.pk)
    if not chunks:
        return False
    with tempfile.TemporaryDirectory(prefix="coach-live-video-") as folder:
        path = Path(folder) / "live.webm"
        if not encode_video(_grid_pictures(chunks, frames), path, progress, count=frames):
            return False
        with open(path, "rb") as handle:
            session.video.save("live.webm", File(handle), save=False)
    stored = WorkoutSession.objects.filter(pk=session.pk, video="").update(
        video=session.video.name, video_size_bytes=session.video.size
    )
    if not stored:  # deleted meanwhile (or attached by another run): keep no orphan file
        default_storage.delete(session.video.name)
        return False
    discard_frames(session.pk, chunks)
    return True
