"""Pose detector output decoding (TensorsToDetections + weighted NMS + letterbox removal).

Constants from mediapipe's PoseDetectionCpu graph. The detector finds a person's box and
four keypoints: 0 = mid-hip centre, 1 = a point whose distance from it is the radius of a
circle around the whole body (and whose direction gives the body's rotation), 2-3 the same
for the upper body.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .anchors import INPUT_SIZE, ssd_anchor_centres
from .roi import Rect, crop, letterbox_rect, rect_from_alignment_points, transform_rect

N_KEYPOINTS = 4
SCORE_CLIP = 100.0
MIN_SCORE = 0.5  # min_detection_confidence of the legacy Pose API
NMS_IOU = 0.3


@dataclass(frozen=True)
class Detection:
    score: float
    box: np.ndarray  # (4,) xmin, ymin, xmax, ymax, frame-normalised
    keypoints: np.ndarray  # (4, 2) frame-normalised


def detector_input(rgb: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """The frame letterboxed to 224x224 (zero border), scaled to [-1, 1], with its padding."""
    h, w = rgb.shape[:2]
    rect, padding = letterbox_rect(w, h)
    img = crop(rgb, rect, INPUT_SIZE, border=cv2.BORDER_CONSTANT)
    tensor = img.astype(np.float32) * (2.0 / 255.0) - 1.0
    return tensor[None], padding


def decode_boxes(raw_boxes: np.ndarray, anchors: np.ndarray):
    """(N, 12) raw regressors -> boxes (N, 4) xmin/ymin/xmax/ymax and keypoints (N, 4, 2),
    normalised to the detector input. Order is x, y, w, h (`reverse_output_order`)."""
    scale = float(INPUT_SIZE)
    cx = raw_boxes[:, 0] / scale + anchors[:, 0]
    cy = raw_boxes[:, 1] / scale + anchors[:, 1]
    w = raw_boxes[:, 2] / scale
    h = raw_boxes[:, 3] / scale
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=-1)
    kp = raw_boxes[:, 4 : 4 + 2 * N_KEYPOINTS].reshape(-1, N_KEYPOINTS, 2) / scale
    kp = kp + anchors[:, None, :]
    return boxes, kp


def scores_from_logits(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logits.astype(np.float64), -SCORE_CLIP, SCORE_CLIP)))


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    ix = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    iy = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = ix * iy
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def weighted_nms(scores: np.ndarray, boxes: np.ndarray, keypoints: np.ndarray, max_out=None):
    """mediapipe's WEIGHTED non-max suppression: the best box absorbs every box overlapping
    it by IoU > 0.3 and becomes their score-weighted mean (its own score is kept)."""
    order = np.argsort(-scores, kind="stable")
    out: list[tuple[float, np.ndarray, np.ndarray]] = []
    while order.size and (max_out is None or len(out) < max_out):
        top = order[0]
        overlap = iou(boxes[top], boxes[order]) > NMS_IOU
        members = order[overlap]
        wts = scores[members]
        total = wts.sum()
        box = (boxes[members] * wts[:, None]).sum(0) / total
        kps = (keypoints[members] * wts[:, None, None]).sum(0) / total
        out.append((float(scores[top]), box, kps))
        order = order[~overlap]
    return out


def remove_letterbox(points: np.ndarray, padding: tuple[float, float]) -> np.ndarray:
    px, py = padding
    out = np.array(points, dtype=np.float32, copy=True)
    out[..., 0] = (points[..., 0] - px) / (1 - 2 * px)
    out[..., 1] = (points[..., 1] - py) / (1 - 2 * py)
    return out


class PoseDetector:
    """Runs the detector model and returns the best detection in frame coordinates."""

    def __init__(self, interpreter, min_score: float = MIN_SCORE):
        self._it = interpreter
        self._in = interpreter.get_input_details()[0]["index"]
        outs = {d["name"]: d["index"] for d in interpreter.get_output_details()}
        self._boxes_idx, self._scores_idx = outs["Identity"], outs["Identity_1"]
        self._anchors = ssd_anchor_centres()
        self.min_score = min_score

    def detect(self, rgb: np.ndarray) -> Detection | None:
        """The best person (the first detection, as mediapipe's graph takes it)."""
        found = self.detect_all(rgb, max_out=1)
        return found[0] if found else None

    def detect_all(self, rgb: np.ndarray, max_out: int | None = None) -> list[Detection]:
        """Everyone found, best first."""
        tensor, padding = detector_input(rgb)
        self._it.set_tensor(self._in, tensor)
        self._it.invoke()
        raw_boxes = self._it.get_tensor(self._boxes_idx)[0]
        scores = scores_from_logits(self._it.get_tensor(self._scores_idx)[0, :, 0])
        return detections(raw_boxes, scores, self._anchors, padding, self.min_score, max_out)


def detections(
    raw_boxes, scores, anchors, padding, min_score=MIN_SCORE, max_out: int | None = None
) -> list[Detection]:
    """Detections after weighted NMS, best first, un-letterboxed (mediapipe's graph keeps
    the first: SplitDetectionVector 0..1)."""
    keep = scores >= min_score
    if not keep.any():
        return []
    boxes, kps = decode_boxes(raw_boxes[keep], anchors[keep])
    return [
        Detection(
            score,
            remove_letterbox(box.reshape(2, 2), padding).reshape(4),
            remove_letterbox(kp, padding),
        )
        for score, box, kp in weighted_nms(scores[keep], boxes, kps, max_out=max_out)
    ]


def best_detection(raw_boxes, scores, anchors, padding, min_score=MIN_SCORE) -> Detection | None:
    """The first detection after weighted NMS, un-letterboxed."""
    found = detections(raw_boxes, scores, anchors, padding, min_score, max_out=1)
    return found[0] if found else None


def detection_rect(det: Detection, frame_w: int, frame_h: int) -> Rect:
    """PoseDetectionToRoi: alignment rect from keypoints 0 -> 1, scaled by 1.25."""
    raw = rect_from_alignment_points(det.keypoints[0], det.keypoints[1], frame_w, frame_h)
    return transform_rect(raw, frame_w, frame_h)
