"""Rotated regions of interest: from alignment keypoints, scaled, cropped and un-cropped.

A `Rect` is mediapipe's NormalizedRect: centre and size normalised to the frame, rotation in
radians (positive = clockwise on screen, since y points down).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

#: RectTransformationCalculator in PoseDetectionToRoi / PoseLandmarksToRoi.
ROI_SCALE = 1.25
#: AlignmentPointsRectsCalculator: the hip->scale-point vector is turned to point up.
TARGET_ANGLE = math.pi / 2


@dataclass(frozen=True)
class Rect:
    x_center: float
    y_center: float
    width: float
    height: float
    rotation: float = 0.0


def normalize_radians(angle: float) -> float:
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))


def rect_from_alignment_points(
    centre: np.ndarray, scale_point: np.ndarray, frame_w: int, frame_h: int
) -> Rect:
    """AlignmentPointsRectsCalculator: a square (in pixels) centred on `centre`, side twice
    the distance to `scale_point`, rotated so that centre -> scale_point points up."""
    x0, y0 = float(centre[0]) * frame_w, float(centre[1]) * frame_h
    x1, y1 = float(scale_point[0]) * frame_w, float(scale_point[1]) * frame_h
    side = 2.0 * math.hypot(x1 - x0, y1 - y0)
    rotation = normalize_radians(TARGET_ANGLE - math.atan2(-(y1 - y0), x1 - x0))
    return Rect(x0 / frame_w, y0 / frame_h, side / frame_w, side / frame_h, rotation)


def transform_rect(rect: Rect, frame_w: int, frame_h: int, scale: float = ROI_SCALE) -> Rect:
    """RectTransformationCalculator with `square_long: true` and no shift."""
    long_side = max(rect.width * frame_w, rect.height * frame_h)
    return Rect(
        rect.x_center,
        rect.y_center,
        long_side / frame_w * scale,
        long_side / frame_h * scale,
        rect.rotation,
    )


def project_to_frame(points: np.ndarray, rect: Rect) -> np.ndarray:
    """LandmarkProjectionCalculator: crop-normalised (x, y[, z]) -> frame-normalised.

    z is scaled like x (by the ROI width), as mediapipe does."""
    out = np.array(points, dtype=np.float32, copy=True)
    c, s = math.cos(rect.rotation), math.sin(rect.rotation)
    x, y = points[..., 0] - 0.5, points[..., 1] - 0.5
    out[..., 0] = (c * x - s * y) * rect.width + rect.x_center
    out[..., 1] = (s * x + c * y) * rect.height + rect.y_center
    if points.shape[-1] > 2:
        out[..., 2] = points[..., 2] * rect.width
    return out


def unproject_from_frame(points: np.ndarray, rect: Rect) -> np.ndarray:
    """Inverse of `project_to_frame` for (x, y): frame-normalised -> crop-normalised."""
    c, s = math.cos(rect.rotation), math.sin(rect.rotation)
    x = (points[..., 0] - rect.x_center) / rect.width
    y = (points[..., 1] - rect.y_center) / rect.height
    return np.stack([c * x + s * y + 0.5, -s * x + c * y + 0.5], axis=-1).astype(np.float32)


def rotate_world(world: np.ndarray, rotation: float) -> np.ndarray:
    """WorldLandmarkProjectionCalculator: world landmarks only get the ROI's rotation back
    (they are metric and hip-centred, so no scale or translation)."""
    out = np.array(world, dtype=np.float32, copy=True)
    c, s = math.cos(rotation), math.sin(rotation)
    out[..., 0] = c * world[..., 0] - s * world[..., 1]
    out[..., 1] = s * world[..., 0] + c * world[..., 1]
    return out


def crop_matrix(rect: Rect, frame_w: int, frame_h: int, out_size: int) -> np.ndarray:
    """3x3 matrix mapping frame pixels to the `out_size` square crop of `rect`.

    Built like ImageToTensorCalculator's OpenCV converter: the ROI's four corners
    (cv::boxPoints order) onto the crop's corners, by getPerspectiveTransform."""
    corners_crop = np.array([[0.0, 1.0], [0.0, 0.0], [1.0, 0.0], [1.0, 1.0]], np.float32)
    frame_rect = Rect(
        rect.x_center * frame_w,
        rect.y_center * frame_h,
        rect.width * frame_w,
        rect.height * frame_h,
        rect.rotation,
    )
    src = project_to_frame(corners_crop, frame_rect)
    dst = corners_crop * out_size
    return cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32))


def crop(
    rgb: np.ndarray, rect: Rect, out_size: int, border: int = cv2.BORDER_REPLICATE
) -> np.ndarray:
    """The rotated ROI resampled to out_size x out_size (uint8, bilinear, warpPerspective
    as in mediapipe's converter, so the model sees the same pixels)."""
    h, w = rgb.shape[:2]
    m = crop_matrix(rect, w, h, out_size)
    return cv2.warpPerspective(
        rgb, m, (out_size, out_size), flags=cv2.INTER_LINEAR, borderMode=border, borderValue=0
    )


def letterbox_rect(frame_w: int, frame_h: int) -> tuple[Rect, tuple[float, float]]:
    """The whole frame padded to a square (keep_aspect_ratio) and its (x, y) padding,
    each side, as a fraction of the padded square."""
    side = max(frame_w, frame_h)
    rect = Rect(0.5, 0.5, side / frame_w, side / frame_h, 0.0)
    return rect, ((1 - frame_w / side) / 2, (1 - frame_h / side) / 2)
