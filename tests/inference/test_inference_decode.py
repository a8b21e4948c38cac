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
