"""What live clients send, checked and turned into analysis input. No database, no Django.

Frames arrive at the camera's rate with the client's timestamps; the engine works on a
fixed grid (inference.decode.ANALYSIS_FPS). `grid_slot` places a frame on that grid with
the same rule the file decoder uses (each grid time takes the first frame at or after it,
a slow source repeats frames), so a stream and a file of the same frames give the same
analysis input.
"""

import json
import math
import struct

import numpy as np

from inference import ANALYSIS_FPS, MAX_SIDE, N_LANDMARKS, LandmarkSequence, PoseFrame

TIME_HEADER = struct.Struct(">d")
JPEG_MAGIC = b"\xff\xd8\xff"
MAX_FRAME_BYTES = 2 * 1024 * 1024
# The file decoder's tolerance, so 30 fps -> 10 fps takes exactly every third frame.
GRID_EPSILON_S = 1e-6


class LiveInputError(Exception):
    """A client message the server cannot use; `code` goes back in the `error` message."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


def grid_slot(t: float, fps: float = ANALYSIS_FPS) -> int:
    """The last grid frame a source frame at `t` fills (it fills all from the previous
    frame's slot + 1 up to this one)."""
    return int(math.floor((t + GRID_EPSILON_S) * fps))


def check_time(t, *, previous_t: float | None, max_duration_s: float) -> float:
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
        raise LiveInputError("bad_time", "`t` must be a number of seconds.")
    t = float(t)
    if t < 0 or t > max_duration_s:
        raise LiveInputError(
            "bad_time", f"`t` must be between 0 and {max_duration_s:g} seconds (the limit)."
        )
    if previous_t is not None and t <= previous_t:
        raise LiveInputError(
            "bad_time", f"Times must increase: got t={t:g} after t={previous_t:g}."
        )
    return t


def parse_frame(data: bytes) -> tuple[float, bytes]:
    """A binary message: 8 bytes big-endian float64 `t`, then a JPEG image."""
    if len(data) <= TIME_HEADER.size:
        raise LiveInputError("bad_frame", "A frame is 8 bytes of time, then JPEG bytes.")
    if len(data) > MAX_FRAME_BYTES:
        raise LiveInputError(
            "frame_too_large", f"A frame may be at most {MAX_FRAME_BYTES // 1024} KB."
        )
    (t,) = TIME_HEADER.unpack_from(data)
    jpeg = data[TIME_HEADER.size :]
    if not jpeg.startswith(JPEG_MAGIC):
        raise LiveInputError("bad_frame", "The frame after the 8-byte time is not a JPEG image.")
    return t, jpeg


def _matrix(value, rows: int, cols: int | None, name: str) -> list:
    try:  # ragged lists, strings and the like end up as no array, or not a numeric one
        array = np.asarray(value) if isinstance(value, list) else None
    except ValueError:
        array = None
    shape = (rows, cols) if cols else (rows,)
    if (
        array is None
        or array.dtype.kind not in "iuf"
        or array.shape != shape
        or not np.isfinite(array).all()
    ):
        dims = f"{rows} x {cols}" if cols else f"{rows}"
        raise LiveInputError("bad_landmarks", f"`pose.{name}` must be {dims} finite numbers.")
    return array.astype(np.float64).tolist()


def check_pose(pose) -> dict | None:
    """A device-computed pose in BlazePose conventions, or None (no person)."""
    if pose is None:
        return None
    if not isinstance(pose, dict):
        raise LiveInputError("bad_landmarks", "`pose` must be null or an object.")
    return {
        "image": _matrix(pose.get("image"), N_LANDMARKS, 3, "image"),
        "world": _matrix(pose.get("world"), N_LANDMARKS, 3, "world"),
        "visibility": _matrix(pose.get("visibility"), N_LANDMARKS, None, "visibility"),
    }


def check_size(size) -> list[int] | None:
    if size is None:
        return None
    if (
        not isinstance(size, list)
        or len(size) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 10000 for v in size)
    ):
        raise LiveInputError("bad_landmarks", "`size` must be [width, height] in pixels.")
    return size


def pose_frame(pose: dict | None) -> PoseFrame | None:
    if pose is None:
        return None
    return PoseFrame(
        np.asarray(pose["image"], np.float32),
        np.asarray(pose["visibility"], np.float32),
        np.asarray(pose["world"], np.float32),
    )


def decode_jpeg(jpeg: bytes) -> np.ndarray | None:
    """RGB, longest side scaled to the engine's MAX_SIDE as the file decoder does; None when
    the bytes are not a decodable image."""
    import cv2

    bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None or bgr.size == 0:
        return None
    h, w = bgr.shape[:2]
    scale = min(1.0, MAX_SIDE / max(w, h))
    if scale < 1.0:
        size = (max(2, int(round(w * scale))), max(2, int(round(h * scale))))
        bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


# --- Received items (consumer -> LiveBatch row -> worker) ------------------------------


def frame_item(t: float, jpeg: bytes) -> dict:
    return {"t": t, "jpeg": jpeg}


def landmarks_item(t: float, pose: dict | None, size: list[int] | None) -> dict:
    return {"t": t, "pose": pose, "size": size}


def item_jpeg(item: dict) -> bytes | None:
    return item.get("jpeg")


def pack_items(items: list[dict]) -> bytes:
    """One JSON header line (times, poses, JPEG lengths), then the JPEG bytes back to back."""
    header, blobs = [], []
    for item in items:
        entry = {k: v for k, v in item.items() if k != "jpeg"}
        if "jpeg" in item:
            entry["jpeg_bytes"] = len(item["jpeg"])
            blobs.append(item["jpeg"])
        header.append(entry)
    return json.dumps(header).encode() + b"\n" + b"".join(blobs)


def unpack_items(data: bytes) -> list[dict]:
    data = bytes(data)
    end = data.index(b"\n")
    items, offset = json.loads(data[:end]), end + 1
    for item in items:
        if "jpeg_bytes" in item:
            size = item.pop("jpeg_bytes")
            item["jpeg"] = data[offset : offset + size]
            offset += size
    return items


# --- Stored landmarks (LiveChunk.landmarks) -------------------------------------------


def pack_rows(rows: list[PoseFrame | None]) -> bytes:
    import io

    seq = LandmarkSequence.from_frames(rows, ANALYSIS_FPS, (0, 0), 0.0)
    out = io.BytesIO()
    np.savez_compressed(
        out, image=seq.image, visibility=seq.visibility, world=seq.world, present=seq.present
    )
    return out.getvalue()


def unpack_rows(data: bytes) -> dict[str, np.ndarray]:
    import io

    with np.load(io.BytesIO(bytes(data))) as z:
        return {name: z[name] for name in ("image", "visibility", "world", "present")}


def sequence_from_packed(
    chunks: list[bytes], frame_size: tuple[int, int], fps: float = ANALYSIS_FPS
) -> LandmarkSequence:
    """One LandmarkSequence from stored chunks, in order."""
    if not chunks:
        return LandmarkSequence.empty(fps, frame_size)
    parts = [unpack_rows(c) for c in chunks]
    joined = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    n = len(joined["present"])
    return LandmarkSequence(
        fps,
        joined["image"],
        joined["visibility"],
        joined["world"],
        joined["present"].astype(bool),
        frame_size,
        n / fps,
    )


def appended(seq: LandmarkSequence, rows: list[PoseFrame | None]) -> LandmarkSequence:
    more = LandmarkSequence.from_frames(rows, seq.fps, seq.frame_size, 0.0)
    return LandmarkSequence(
        seq.fps,
        np.concatenate([seq.image, more.image]),
        np.concatenate([seq.visibility, more.visibility]),
        np.concatenate([seq.world, more.world]),
        np.concatenate([seq.present, more.present]),
        seq.frame_size,
        (len(seq) + len(more)) / seq.fps,
    )
