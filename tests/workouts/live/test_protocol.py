"""What live clients send: parsing, checks, grid placement, packing. No database."""

import math
import struct

import cv2
import numpy as np
import pytest

from inference.decode import FrameStream
from tests.workouts.conftest import write_synthetic_video
from tests.workouts.live.client import jpeg_of, standing_pose
from workouts.live.protocol import (
    LiveInputError,
    check_pose,
    check_size,
    check_time,
    decode_jpeg,
    frame_item,
    grid_slot,
    landmarks_item,
    pack_items,
    pack_rows,
    parse_frame,
    pose_frame,
    sequence_from_packed,
    unpack_items,
)


def video_of_numbered_frames(path, fps: float, count: int):
    """Frame i is a flat grey of brightness 8 * i, so a decoded frame tells its index."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (64, 48))
    for i in range(count):
        writer.write(np.full((48, 64, 3), 8 * i, np.uint8))
    writer.release()
    return path


def placed_indices(times: list[float]) -> list[int]:
    """Source frame index per grid frame, by grid_slot as the live path places frames."""
    rows, next_slot = [], 0
    for index, t in enumerate(times):
        last = grid_slot(t)
        rows.extend([index] * max(0, last + 1 - next_slot))
        next_slot = max(next_slot, last + 1)
    return rows


@pytest.mark.parametrize("fps", [30.0, 15.0, 25.0, 7.0])
def test_grid_placement_matches_the_file_decoder(tmp_path, fps):
    count = 30
    path = video_of_numbered_frames(tmp_path / "numbered.mp4", fps, count)
    decoded = [int(round(frame.rgb.mean() / 8)) for frame in FrameStream(str(path))]
    assert placed_indices([i / fps for i in range(count)]) == decoded


def test_parse_frame():
    t, jpeg = parse_frame(struct.pack(">d", 1.25) + b"\xff\xd8\xff\xe0data")
    assert (t, jpeg) == (1.25, b"\xff\xd8\xff\xe0data")


@pytest.mark.parametrize(
    "data, code",
    [
        (b"", "bad_frame"),
        (struct.pack(">d", 1.0), "bad_frame"),
        (struct.pack(">d", 1.0) + b"\x89PNG....", "bad_frame"),
        (struct.pack(">d", 1.0) + b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024), "frame_too_large"),
    ],
)
def test_parse_frame_rejects(data, code):
    with pytest.raises(LiveInputError) as error:
        parse_frame(data)
    assert error.value.code == code


@pytest.mark.parametrize(
    "t, previous", [(None, None), ("1", None), (True, None), (math.inf, None), (-0.1, None),
                    (11.0, None), (1.0, 1.0), (0.5, 1.0)]
)  # fmt: skip
def test_check_time_rejects(t, previous):
    with pytest.raises(LiveInputError) as error:
        check_time(t, previous_t=previous, max_duration_s=10)
    assert error.value.code == "bad_time"


def test_check_time_accepts_increasing_numbers():
    assert check_time(0, previous_t=None, max_duration_s=10) == 0.0
    assert check_time(1.5, previous_t=1.0, max_duration_s=10) == 1.5


def test_check_pose():
    pose = standing_pose()
    assert check_pose(None) is None
    assert check_pose(pose) == pose
    for bad in (
        [1, 2, 3],
        {**pose, "image": pose["image"][:32]},
        {**pose, "world": None},
        {**pose, "visibility": [0.5] * 32},
        {**pose, "image": [[float("nan"), 0, 0]] * 33},
        {**pose, "image": [["a", 0, 0]] * 33},
        {**pose, "image": [["1", "0", "0"]] * 33},
        {**pose, "image": [[0, 0, 0]] * 32 + [[0, 0]]},
        {**pose, "visibility": [True] * 33},
    ):
        with pytest.raises(LiveInputError) as error:
            check_pose(bad)
        assert error.value.code == "bad_landmarks"


def test_check_size():
    assert check_size(None) is None
    assert check_size([640, 480]) == [640, 480]
    for bad in ([640], [0, 480], [640.0, 480], "640x480", [True, 2]):
        with pytest.raises(LiveInputError):
            check_size(bad)


def test_decode_jpeg_scales_the_longest_side_to_640():
    rgb = np.zeros((720, 1280, 3), np.uint8)
    rgb[:, :640] = (250, 10, 10)
    decoded = decode_jpeg(jpeg_of(rgb))
    assert decoded.shape == (360, 640, 3)
    assert decoded[180, 100, 0] > 200 and decoded[180, 100, 2] < 50  # still RGB order
    assert decode_jpeg(b"\xff\xd8\xff\xe0 not really") is None


def test_items_survive_packing():
    items = [
        frame_item(0.0, b"\xff\xd8\xffone"),
        landmarks_item(0.1, standing_pose(), [640, 480]),
        landmarks_item(0.2, None, None),
        frame_item(0.3, b"\xff\xd8\xfftwo\n\n"),
    ]
    assert unpack_items(pack_items(items)) == items


def test_rows_survive_packing(tmp_path):
    rows = [pose_frame(standing_pose(0.1)), None, pose_frame(standing_pose(0.2))]
    seq = sequence_from_packed([pack_rows(rows[:2]), pack_rows(rows[2:])], (640, 480))
    assert len(seq) == 3 and seq.fps == 10.0 and seq.duration_s == pytest.approx(0.3)
    assert list(seq.present) == [True, False, True]
    np.testing.assert_allclose(seq.world[2], rows[2].world)
    assert seq.frame_size == (640, 480)


def test_synthetic_video_helper_still_decodes(tmp_path):
    # The fixture the other tests share: a guard that OpenCV can write MP4 here.
    assert len(list(FrameStream(str(write_synthetic_video(tmp_path / "v.mp4"))))) > 0
