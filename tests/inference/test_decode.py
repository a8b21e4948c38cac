import shutil
import subprocess

import cv2
import numpy as np
import pytest

from inference.decode import FrameStream, probe
from inference.errors import VideoDecodeError


def _write_video(path, n=45, fps=30.0, size=(320, 240)):
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert w.isOpened()
    for i in range(n):
        img = np.full((size[1], size[0], 3), (i * 5) % 255, np.uint8)
        w.write(img)
    w.release()


def test_missing_file(tmp_path):
    with pytest.raises(VideoDecodeError, match="not found"):
        list(FrameStream(str(tmp_path / "nope.mp4")))


def test_empty_file(tmp_path):
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    with pytest.raises(VideoDecodeError, match="empty"):
        list(FrameStream(str(p)))


def test_garbage_file(tmp_path):
    p = tmp_path / "garbage.mp4"
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    with pytest.raises(VideoDecodeError):
        list(FrameStream(str(p)))


def test_text_file_is_not_a_video(tmp_path):
    p = tmp_path / "notes.mov"
    p.write_text("this is not a video\n" * 100)
    with pytest.raises(VideoDecodeError):
        list(FrameStream(str(p)))


def test_resamples_to_analysis_rate(tmp_path):
    p = tmp_path / "clip.mp4"
    _write_video(p, n=45, fps=30.0)  # 1.5 s
    info = probe(str(p))
    assert info.fps == pytest.approx(30.0) and info.width == 320
    stream = FrameStream(str(p), fps=10.0, max_side=160)
    frames = list(stream)
    assert len(frames) == 15
    assert [f.t for f in frames[:3]] == pytest.approx([0.0, 0.1, 0.2])
    assert frames[0].rgb.shape == (120, 160, 3)  # downscaled, aspect kept
    assert stream.duration_s == pytest.approx(1.5)


def test_slow_source_is_repeated_on_the_grid(tmp_path):
    p = tmp_path / "slow.mp4"
    _write_video(p, n=10, fps=5.0)  # 2 s at 5 fps
    frames = list(FrameStream(str(p), fps=10.0))
    assert len(frames) == 19  # grid 0.0 .. 1.8 s (last source frame at 1.8 s)


def test_prefetch_yields_the_same_frames_in_order(tmp_path):
    from inference.decode import prefetch

    p = tmp_path / "clip.mp4"
    _write_video(p, n=45, fps=30.0)
    direct = list(FrameStream(str(p), fps=10.0))
    stream = FrameStream(str(p), fps=10.0)
    ahead = list(prefetch(stream, depth=2))
    assert [f.index for f in ahead] == [f.index for f in direct]
    assert all(np.array_equal(a.rgb, b.rgb) for a, b in zip(ahead, direct, strict=True))
    assert stream.duration_s == pytest.approx(1.5)  # set by the decoder thread at the end


def test_prefetch_raises_decoder_errors_in_the_consumer():
    from inference.decode import prefetch

    def failing():
        yield 1
        raise VideoDecodeError("broken stream at frame 2")

    got = []
    with pytest.raises(VideoDecodeError, match="frame 2"):
        for item in prefetch(failing()):
            got.append(item)
    assert got == [1]


def test_prefetch_is_bounded_and_stops_the_decoder_when_the_consumer_stops():
    import threading
    import time

    from inference.decode import prefetch

    produced = []
    closed = threading.Event()

    def endless():
        try:
            i = 0
            while True:
                produced.append(i)
                yield i
                i += 1
        finally:
            closed.set()

    gen = prefetch(endless(), depth=3)
    assert next(gen) == 0
    time.sleep(0.3)  # give the decoder every chance to run ahead
    assert len(produced) <= 1 + 3 + 1  # consumed + queued + one waiting to be queued
    gen.close()
    assert closed.wait(2.0)  # the source generator was closed (VideoCapture released)
    assert not any(t.name == "coach-decode" and t.is_alive() for t in threading.enumerate())


@pytest.mark.parametrize("n, fps", [(45, 30.0), (10, 5.0), (61, 24.0)])
def test_slices_of_a_stream_are_the_whole_stream(tmp_path, n, fps):
    p = tmp_path / "v.mp4"
    _write_video(p, n=n, fps=fps)
    whole = [(f.index, f.t, int(f.rgb.sum())) for f in FrameStream(str(p))]
    k = len(whole)
    cuts = [(0, k // 3), (k // 3, 2 * k // 3), (2 * k // 3, None)]
    parts = [
        (f.index, f.t, int(f.rgb.sum()))
        for a, b in cuts
        for f in FrameStream(str(p), start=a, stop=b)
    ]
    assert parts == whole


# --- Rotation tags: the container's tag is applied, as players apply it (docs/engine.md,
# "Rotation tags"). Clips are tagged the way ffmpeg does it, by stream copy.

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")


def _marked_video(path, picture: np.ndarray, n=10, fps=10.0):
    """A clip of `picture` (H x W x 3, BGR) repeated."""
    h, w = picture.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    assert writer.isOpened()
    for _ in range(n):
        writer.write(picture)
    writer.release()


def _tagged(source, target, degrees: int):
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(source), "-c", "copy",
         "-metadata:s:v:0", f"rotate={degrees}", str(target)],
        check=True,
    )  # fmt: skip


def _upright_picture() -> np.ndarray:
    """Landscape, dark, with a bright block in its top-left corner."""
    picture = np.zeros((240, 320, 3), np.uint8)
    picture[:80, :80] = 255
    return picture


def _bright_corner(rgb: np.ndarray) -> str:
    h, w = rgb.shape[:2]
    corners = {
        "top-left": rgb[: h // 4, : w // 4],
        "top-right": rgb[: h // 4, -w // 4 :],
        "bottom-left": rgb[-h // 4 :, : w // 4],
        "bottom-right": rgb[-h // 4 :, -w // 4 :],
    }
    return max(corners, key=lambda name: corners[name].mean())


@needs_ffmpeg
def test_untagged_frames_are_as_stored(tmp_path):
    _marked_video(tmp_path / "plain.mp4", _upright_picture())
    frame = next(iter(FrameStream(str(tmp_path / "plain.mp4"))))
    assert frame.rgb.shape == (240, 320, 3)
    assert _bright_corner(frame.rgb) == "top-left"


@needs_ffmpeg
def test_a_right_tag_turns_the_stored_pixels_upright(tmp_path):
    # A phone filming in portrait: the sensor's pixels stored turned, and a tag of 90.
    _marked_video(tmp_path / "stored.mp4", np.ascontiguousarray(np.rot90(_upright_picture(), -1)))
    _tagged(tmp_path / "stored.mp4", tmp_path / "phone.mp4", 90)
    frame = next(iter(FrameStream(str(tmp_path / "phone.mp4"))))
    assert frame.rgb.shape == (240, 320, 3)
    assert _bright_corner(frame.rgb) == "top-left"
    info = probe(str(tmp_path / "phone.mp4"))
    assert (info.width, info.height) == (320, 240)  # the displayed size


@needs_ffmpeg
def test_a_wrong_tag_is_applied_as_players_apply_it(tmp_path):
    # Upright pixels with a tag of 90: the engine sees what a player shows, the picture
    # turned a quarter anticlockwise. The pose cannot tell this from a right tag (a standing
    # person turned a quarter is a plausible person lying down): bench/bench_orientation.py.
    _marked_video(tmp_path / "upright.mp4", _upright_picture())
    _tagged(tmp_path / "upright.mp4", tmp_path / "mistagged.mp4", 90)
    frame = next(iter(FrameStream(str(tmp_path / "mistagged.mp4"))))
    assert frame.rgb.shape == (320, 240, 3)
    assert _bright_corner(frame.rgb) == "bottom-left"
