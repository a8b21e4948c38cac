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
