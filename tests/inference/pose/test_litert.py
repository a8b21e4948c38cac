"""LiteRT BlazePose: geometry and decoding on synthetic inputs, tracking logic with fake
models, and the real models (always: they ship in the installed mediapipe wheel)."""

import math
import subprocess
import sys

import cv2
import numpy as np
import pytest

from inference.pose import PoseBackbone, default_backbone
from inference.pose.litert import LiteRtBlazePoseBackbone
from inference.pose.litert.anchors import ssd_anchor_centres
from inference.pose.litert.detector import (
    Detection,
    best_detection,
    decode_boxes,
    detection_rect,
    remove_letterbox,
    weighted_nms,
)
from inference.pose.litert.landmarker import RawLandmarks, refine_from_heatmap
from inference.pose.litert.roi import (
    Rect,
    crop,
    letterbox_rect,
    project_to_frame,
    rect_from_alignment_points,
    rotate_world,
    transform_rect,
    unproject_from_frame,
)
from inference.pose.litert.smoothing import OneEuroFilter

# --- anchors and detector decoding --------------------------------------------------------


def test_anchor_layout_matches_the_detector_output():
    a = ssd_anchor_centres()
    assert a.shape == (2254, 2)  # 28*28*2 + 14*14*2 + 7*7*6, the model's box count
    assert a[0] == pytest.approx([0.5 / 28, 0.5 / 28])
    assert a[1] == pytest.approx(a[0])  # two anchors per cell on stride 8
    assert a[2] == pytest.approx([1.5 / 28, 0.5 / 28])  # then the next column
    assert a[1568] == pytest.approx([0.5 / 14, 0.5 / 14])  # stride 16 starts
    # the three stride-32 layers share one 7x7 map: 6 anchors per cell
    assert np.allclose(a[1960:1966], [0.5 / 7, 0.5 / 7])
    assert not np.allclose(a[1966], a[1960])
    assert a[-1] == pytest.approx([6.5 / 7, 6.5 / 7])


def test_box_and_keypoint_decoding_is_relative_to_anchors():
    anchors = np.array([[0.25, 0.5], [0.75, 0.75]], np.float32)
    raw = np.zeros((2, 12), np.float32)
    raw[0, :4] = [22.4, -11.2, 44.8, 89.6]  # x, y, w, h in input pixels (224)
    raw[0, 4:6] = [0.0, -22.4]  # keypoint 0
    boxes, kps = decode_boxes(raw, anchors)
    assert boxes[0] == pytest.approx([0.35 - 0.1, 0.45 - 0.2, 0.35 + 0.1, 0.45 + 0.2])
    assert kps[0, 0] == pytest.approx([0.25, 0.4])
    assert kps[1] == pytest.approx(np.tile(anchors[1], (4, 1)))  # zero offsets: at the anchor


def test_weighted_nms_averages_overlapping_boxes_by_score():
    boxes = np.array(
        [[0.1, 0.1, 0.5, 0.5], [0.12, 0.1, 0.52, 0.5], [0.6, 0.6, 0.9, 0.9]], np.float32
    )
    kps = np.stack([np.full((4, 2), v, np.float32) for v in (0.2, 0.3, 0.8)])
    scores = np.array([0.9, 0.6, 0.7], np.float32)
    out = weighted_nms(scores, boxes, kps)
    assert len(out) == 2
    score, box, kp = out[0]
    assert score == pytest.approx(0.9)  # the best box keeps its own score
    assert box[0] == pytest.approx((0.1 * 0.9 + 0.12 * 0.6) / 1.5)
    assert kp[0, 0] == pytest.approx((0.2 * 0.9 + 0.3 * 0.6) / 1.5)
    assert out[1][0] == pytest.approx(0.7) and out[1][1] == pytest.approx(boxes[2])


def test_best_detection_filters_scores_and_removes_the_letterbox():
    anchors = np.array([[0.5, 0.5], [0.2, 0.2]], np.float32)
    raw = np.zeros((2, 12), np.float32)
    raw[0, 2:4] = 44.8  # a 0.2 x 0.2 box at the centre
    raw[0, 6:8] = [0.0, -44.8]  # keypoint 1 0.2 above the centre (letterboxed coords)
    _, padding = letterbox_rect(640, 360)  # landscape: padded top and bottom
    assert padding == pytest.approx((0.0, (1 - 360 / 640) / 2))
    det = best_detection(raw, np.array([0.8, 0.4]), anchors, padding)
    assert det is not None and det.score == pytest.approx(0.8)
    assert det.keypoints[0] == pytest.approx([0.5, 0.5])
    assert det.keypoints[1] == pytest.approx([0.5, 0.5 - 0.2 * 640 / 360])
    assert best_detection(raw, np.array([0.3, 0.4]), anchors, padding) is None
    assert remove_letterbox(np.array([0.3, padding[1]]), padding) == pytest.approx([0.3, 0.0])


# --- regions of interest ------------------------------------------------------------------


def test_roi_from_detection_is_an_upright_square_scaled_by_1_25():
    det = Detection(
        0.9,
        np.zeros(4),
        np.array([[0.5, 0.5], [0.5, 0.5 - 0.2], [0, 0], [0, 0]], np.float32),
    )
    roi = detection_rect(det, 640, 360)
    side_px = 2 * 0.2 * 360 * 1.25  # twice the hip-to-scale-point distance, x 1.25
    assert roi.rotation == pytest.approx(0.0, abs=1e-6)
    assert (roi.x_center, roi.y_center) == pytest.approx((0.5, 0.5))
    assert roi.width * 640 == pytest.approx(side_px) and roi.height * 360 == pytest.approx(side_px)


@pytest.mark.parametrize(
    ("dx", "dy", "rotation"),
    [(0, -1, 0.0), (1, 0, math.pi / 2), (-1, 0, -math.pi / 2), (0, 1, math.pi)],
)
def test_roi_rotation_turns_the_body_axis_upright(dx, dy, rotation):
    r = rect_from_alignment_points(
        np.array([0.5, 0.5]), np.array([0.5 + 0.1 * dx, 0.5 + 0.1 * dy]), 400, 400
    )
    assert abs(math.remainder(r.rotation - rotation, 2 * math.pi)) < 1e-6
    assert r.width == pytest.approx(0.2) and r.height == pytest.approx(0.2)


def test_roi_from_landmarks_squares_the_long_side():
    r = transform_rect(Rect(0.4, 0.6, 0.1, 0.5, 0.3), 640, 360)  # 64 x 180 px
    assert r.width * 640 == pytest.approx(180 * 1.25) and r.height * 360 == pytest.approx(225)
    assert (r.x_center, r.y_center, r.rotation) == (0.4, 0.6, 0.3)


def test_projection_round_trip_and_z_scaling():
    rect = Rect(0.45, 0.55, 0.6, 0.9, 0.7)
    pts = np.random.default_rng(0).uniform(0, 1, (50, 3)).astype(np.float32)
    frame = project_to_frame(pts, rect)
    assert unproject_from_frame(frame, rect) == pytest.approx(pts[:, :2], abs=1e-5)
    assert frame[:, 2] == pytest.approx(pts[:, 2] * rect.width)
    assert project_to_frame(np.array([[0.5, 0.5, 0.0]]), rect)[0, :2] == pytest.approx([0.45, 0.55])


def test_crop_then_uncrop_finds_the_same_pixel():
    h, w = 360, 640
    img = np.zeros((h, w, 3), np.uint8)
    cv2.circle(img, (400, 150), 3, (255, 255, 255), -1)
    side = 200
    rect = Rect(380 / w, 170 / h, side / w, side / h, 0.6)
    out = crop(img, rect, 256)
    ys, xs = np.nonzero(out[:, :, 0] > 128)
    assert len(xs) > 0
    centre = np.array([[xs.mean() + 0.5, ys.mean() + 0.5]]) / 256
    back = project_to_frame(centre, rect)[0] * [w, h]
    assert back == pytest.approx([400.5, 150.5], abs=1.5)


def test_world_landmarks_get_the_roi_rotation_only():
    world = np.array([[1.0, 0.0, 0.3], [0.0, 2.0, -0.1]], np.float32)
    rotated = rotate_world(world, math.pi / 2)
    assert rotated == pytest.approx(np.array([[0.0, 1.0, 0.3], [-2.0, 0.0, -0.1]]), abs=1e-6)
    assert rotate_world(rotated, -math.pi / 2) == pytest.approx(world, abs=1e-6)


# --- heatmap refinement and smoothing -----------------------------------------------------


def test_heatmap_refinement_moves_confident_landmarks_to_the_peak():
    hm = np.full((64, 64, 3), -10.0, np.float32)
    hm[20, 30, 0] = 10.0  # confident peak for landmark 0, near its guess
    hm[40, 40, 1] = -1.0  # landmark 1: best cell below the 0.5 confidence needed
    xyz = np.array([[31 / 64, 21 / 64, 0.1], [40 / 64, 40 / 64, 0.2], [1.5, 0.5, 0]], np.float32)
    out = refine_from_heatmap(xyz, hm)
    assert out[0, :2] == pytest.approx([30 / 64, 20 / 64], abs=2e-3)
    assert out[0, 2] == pytest.approx(0.1)  # z untouched
    assert out[1] == pytest.approx(xyz[1])
    assert out[2] == pytest.approx(xyz[2])  # outside the heatmap: kept


def test_one_euro_filter_passes_first_value_damps_jitter_and_follows_moves():
    f = OneEuroFilter(0.05, 80.0, 1.0)
    assert f.apply(np.array([100.0]), 1 / 200)[0] == 100.0
    jitter = [f.apply(np.array([100.0 + (-1) ** i]), 1 / 200)[0] for i in range(30)]
    assert np.ptp(jitter[10:]) < 0.5  # +-1 px of noise on a 200 px person mostly removed
    moved = [f.apply(np.array([100.0 + 10 * i]), 1 / 200)[0] for i in range(1, 20)]
    assert moved[-1] > 100 + 10 * 19 - 30  # a fast move is followed closely
    f.reset()
    assert f.apply(np.array([5.0]))[0] == 5.0


# --- tracking logic with fake models ------------------------------------------------------


class _FakeDetector:
    def __init__(self):
        self.calls = 0

    def detect(self, rgb):
        self.calls += 1
        kp = np.array([[0.5, 0.6], [0.5, 0.3], [0, 0], [0, 0]], np.float32)
        return Detection(0.9, np.zeros(4), kp)


class _FakeLandmarker:
    def __init__(self, presences):
        self.presences = list(presences)
        self.rois = []

    def run(self, rgb, rect):
        self.rois.append(rect)
        p = self.presences.pop(0)
        image = np.full((33, 3), 0.5, np.float32)
        aux = np.array([[0.5, 0.6, 0], [0.5, 0.32, 0]], np.float32)
        return RawLandmarks(p, image, np.ones(33, np.float32), aux, np.zeros((33, 3), np.float32))


def _fake_backbone(presences):
    bb = LiteRtBlazePoseBackbone()
    bb._detector, bb._landmarker = _FakeDetector(), _FakeLandmarker(presences)
    return bb


def test_detector_runs_only_without_a_track():
    bb = _fake_backbone([0.9, 0.9, 0.2, 0.9, 0.9])
    rgb = np.zeros((100, 100, 3), np.uint8)
    out = [bb.process(rgb) for _ in range(5)]
    assert [o is not None for o in out] == [True, True, False, True, True]
    assert bb._detector.calls == 2  # first frame, and after the presence drop
    # the second frame's ROI came from the first frame's landmarks, not the detector
    assert bb._landmarker.rois[1] != bb._landmarker.rois[0]
    bb.reset()
    bb._landmarker.presences = [0.9]
    bb.process(rgb)
    assert bb._detector.calls == 3


def test_backbone_is_lazy_and_registered():
    bb = default_backbone("blazepose_full_litert")
    assert isinstance(bb, PoseBackbone) and isinstance(bb, LiteRtBlazePoseBackbone)
    assert bb._landmarker is None  # no interpreter before the first frame
    assert bb.version != default_backbone("blazepose_full").version  # separate cache keys
    with pytest.raises(ValueError, match="unknown pose backbone"):
        default_backbone("nope")


def test_importing_the_engine_loads_no_interpreter():
    code = "import sys, inference, inference.pose; print('ai_edge_litert' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


# --- the real models ----------------------------------------------------------------------


def test_real_models_find_nobody_in_an_empty_frame():
    bb = LiteRtBlazePoseBackbone()
    assert bb.process(np.full((360, 640, 3), 128, np.uint8)) is None
    assert bb.detector_calls == 1 and bb.landmark_calls == 0
    bb.close()


def test_landmark_model_without_segmentation_gives_identical_outputs():
    from inference.pose.litert.models import LANDMARK_FULL, SEGMENTATION_OUTPUT, make_interpreter

    full = make_interpreter(LANDMARK_FULL, 1)
    pruned = make_interpreter(LANDMARK_FULL, 1, drop_output=SEGMENTATION_OUTPUT)
    names = [d["name"] for d in pruned.get_output_details()]
    assert SEGMENTATION_OUTPUT not in names
    assert {"Identity", "Identity_1", "Identity_3", "Identity_4"} <= set(names)
    x = np.random.default_rng(1).uniform(0, 1, (1, 256, 256, 3)).astype(np.float32)
    outputs = []
    for it in (full, pruned):
        it.set_tensor(it.get_input_details()[0]["index"], x)
        it.invoke()
        outputs.append({d["name"]: it.get_tensor(d["index"]) for d in it.get_output_details()})
    for name in ("Identity", "Identity_1", "Identity_3", "Identity_4"):
        assert np.array_equal(outputs[0][name], outputs[1][name]), name


def test_dropping_an_unknown_output_fails_clearly():
    from inference.pose.litert.models import LANDMARK_FULL, model_path, without_output

    with pytest.raises(RuntimeError, match="no output 'nope'"):
        without_output(model_path(LANDMARK_FULL).read_bytes(), "nope")


_FORK_AFTER_USE = """
import os, sys, numpy as np
from inference.pose.litert import LiteRtBlazePoseBackbone
bb = LiteRtBlazePoseBackbone(num_threads=2)
frame = np.full((360, 640, 3), 128, np.uint8)
bb.process(frame)                      # interpreters (and their thread pools) exist now
pid = os.fork()
if pid == 0:
    bb.process(frame)                  # must not use the parent's interpreters
    os._exit(0 if bb._pid == os.getpid() else 3)
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status))
"""


def test_backbone_used_before_a_fork_makes_new_interpreters_in_the_child():
    out = subprocess.run(
        [sys.executable, "-c", _FORK_AFTER_USE], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "0", out.stderr[-2000:]
