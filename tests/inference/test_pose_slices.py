"""The pose backbone over a video in slices of time tracked side by side."""

import threading

import cv2
import numpy as np
import pytest

from inference.pose import PoseFrame
from inference.pose_slices import MIN_SLICE_S, PoseSlices, slice_bounds


def _write_video(path, seconds, fps=30.0, size=(160, 120)):
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for i in range(int(seconds * fps)):
        w.write(np.full((size[1], size[0], 3), i % 250, np.uint8))
    w.release()


class _Backbone:
    """Reports each frame's grey level and which backbone (thread) saw it."""

    name = version = "fake"

    def __init__(self, made=None, fail_at=None):
        self.made = made if made is not None else []
        self.fail_at = fail_at
        self.closed = False
        self.threads = set()

    def with_threads(self, n):
        assert n == 1
        twin = _Backbone(self.made, self.fail_at)
        self.made.append(twin)
        return twin

    def reset(self):
        pass

    def process(self, rgb):
        level = float(rgb[0, 0, 0])
        if self.fail_at is not None and level == self.fail_at:
            raise RuntimeError("pose failed")
        self.threads.add(threading.get_ident())
        image = np.full((33, 3), level, np.float32)
        return PoseFrame(image, np.ones(33, np.float32), np.zeros((33, 3), np.float32))

    def close(self):
        self.closed = True


class _OneTrackOnly(_Backbone):
    with_threads = None


class _LooksAhead(_Backbone):
    LEAD_IN_FRAMES, LEAD_IN_EVERY = 30, 10

    def with_threads(self, n):
        twin = _LooksAhead(self.made)
        twin.looks = []
        self.made.append(twin)
        return twin

    def lead_in(self, rgb):
        self.looks.append(float(rgb[0, 0, 0]))


def test_bounds_cover_the_video_once_and_short_videos_are_one_slice():
    assert slice_bounds(2 * MIN_SLICE_S - 0.1, 10.0, 2) == [(0, None)]
    assert slice_bounds(43.0, 10.0, 2) == [(0, 215), (215, None)]
    assert slice_bounds(43.0, 10.0, 1) == [(0, None)]
    assert slice_bounds(60.0, 10.0, 4) == [(0, 150), (150, 300), (300, 450), (450, None)]


def test_slices_give_every_frame_once_in_order(tmp_path):
    p = tmp_path / "v.mp4"
    _write_video(p, seconds=12)
    one = list(PoseSlices(str(p), _OneTrackOnly(), workers=2))
    template = _Backbone()
    video = PoseSlices(str(p), template, workers=2)
    sliced = list(video)
    assert len(video.bounds) == 2
    assert [f.index for f in sliced] == list(range(len(one)))
    assert [f.pose.image[0, 0] for f in sliced] == [f.pose.image[0, 0] for f in one]
    assert all(f.size == (160, 120) for f in sliced)
    assert abs(video.duration_s - 12.0) < 0.05
    # each slice ran on its own backbone, in its own thread, closed afterwards
    assert len(template.made) == 2 and all(b.closed for b in template.made)
    assert template.made[0].threads.isdisjoint(template.made[1].threads)


def test_a_failure_in_a_later_slice_reaches_the_caller(tmp_path):
    p = tmp_path / "v.mp4"
    _write_video(p, seconds=12)
    video = PoseSlices(str(p), _Backbone(fail_at=float(300 % 250)), workers=2)
    with pytest.raises(RuntimeError, match="pose failed"):
        list(video)


def test_a_backbone_without_twins_tracks_the_video_as_one_slice(tmp_path):
    p = tmp_path / "v.mp4"
    _write_video(p, seconds=12)
    video = PoseSlices(str(p), _OneTrackOnly(), workers=2)
    assert video.bounds == [(0, None)]


def test_later_slices_look_at_the_frames_before_them_first(tmp_path):
    p = tmp_path / "v.mp4"
    _write_video(p, seconds=12)  # grey level about 3 * the index on the 10/s grid
    template = _LooksAhead()
    video = PoseSlices(str(p), template, workers=2)
    list(video)
    first, second = template.made
    start = video.bounds[1][0]
    assert first.looks == []  # the video's start has nothing before it
    # one frame a second for the 3 s before the slice, the last one just before it
    expected = [3 * i for i in (start - 21, start - 11, start - 1)]
    assert len(second.looks) == 3
    assert all(abs(a - b) <= 4 for a, b in zip(second.looks, expected, strict=True))  # mp4v
