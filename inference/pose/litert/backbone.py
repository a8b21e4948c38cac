"""`LiteRtBlazePoseBackbone`: the PoseLandmarkCpu graph (tracking loop) around LiteRT."""

from __future__ import annotations

import dataclasses
import io
import os

import numpy as np

from ..base import PoseFrame
from .detector import MIN_SCORE, PoseDetector, detection_rect
from .landmarker import MIN_PRESENCE, PoseLandmarker, RawLandmarks
from .models import DETECTOR, LANDMARK_FULL, SEGMENTATION_OUTPUT, make_interpreter
from .people import HISTORY, SCAN_EVERY, PeopleInView, Place, Seen, joint_angles
from .roi import Rect, rect_from_alignment_points, transform_rect
from .smoothing import PoseSmoother


class LiteRtBlazePoseBackbone:
    """BlazePose GHUM full, same model files as `BlazePoseBackbone`, run by LiteRT.

    Per frame: without a track, run the detector and take its best person's ROI; run the
    landmark model on that ROI; if the pose-presence score is below `min_tracking_confidence`
    drop the track (the next frame detects again); otherwise smooth the landmarks and derive
    the next frame's ROI from the smoothed auxiliary landmarks. Once a second the detector
    looks for other people, and tracking moves to someone else when they are clearly the
    one exercising (`people`).
    """

    name = "blazepose_full_litert"
    version = "litert-blazepose-full-mp0.10.14-v2"
    #: `lead_in` looks at one frame in LEAD_IN_EVERY of the LEAD_IN_FRAMES before a slice:
    #: a whole history of scans.
    LEAD_IN_EVERY = SCAN_EVERY
    LEAD_IN_FRAMES = HISTORY * SCAN_EVERY

    def __init__(
        self,
        min_detection_confidence: float = MIN_SCORE,
        min_tracking_confidence: float = MIN_PRESENCE,
        smooth_landmarks: bool = True,
        num_threads: int | None = None,
    ):
        self._min_det = min_detection_confidence
        self._min_trk = min_tracking_confidence
        self._smooth = smooth_landmarks
        self._threads = num_threads
        self._detector: PoseDetector | None = None  # created on first use, in this process
        self._landmarker: PoseLandmarker | None = None
        self._pid = os.getpid()
        self._roi: Rect | None = None
        self._smoother = PoseSmoother()
        self._people = PeopleInView()
        self.detector_calls = 0
        self.landmark_calls = 0
        self.scans = 0  # detector runs looking for other people while tracking
        self.switches = 0  # times tracking moved to someone else exercising

    def with_threads(self, num_threads: int) -> LiteRtBlazePoseBackbone:
        """A new backbone like this one whose interpreters use `num_threads` threads."""
        return LiteRtBlazePoseBackbone(self._min_det, self._min_trk, self._smooth, num_threads)

    def _ensure(self) -> None:
        # An interpreter inherited through fork() has lost its thread pool (a forked child
        # has only the forking thread) and can hang: make fresh ones in a new process.
        if self._landmarker is not None and self._pid != os.getpid():
            self.close()
        if self._landmarker is None:
            self._pid = os.getpid()
            self._detector = PoseDetector(make_interpreter(DETECTOR, self._threads), self._min_det)
            # The segmentation head is a quarter of the landmark model's time and unused.
            lm = make_interpreter(LANDMARK_FULL, self._threads, drop_output=SEGMENTATION_OUTPUT)
            self._landmarker = PoseLandmarker(lm)

    def _track(self, rgb: np.ndarray) -> RawLandmarks | None:
        """The landmark model on the tracked ROI (detected first without a track), or None
        when nobody is found or the track is lost."""
        self._ensure()
        h, w = rgb.shape[:2]
        roi = self._roi
        if roi is None:
            self.detector_calls += 1
            det = self._detector.detect(rgb)
            if det is None:
                return None
            roi = detection_rect(det, w, h)
        self.landmark_calls += 1
        raw = self._landmarker.run(rgb, roi)
        if raw.presence < self._min_trk:
            self._lose_track()
            return None
        return raw

    def process(self, rgb: np.ndarray) -> PoseFrame | None:
        raw = self._track(rgb)
        if raw is None:
            return None
        h, w = rgb.shape[:2]
        image, vis, aux, world = raw.image, raw.visibility, raw.aux, raw.world
        if self._smooth:
            # PoseLandmarkFiltering scales velocities by the size of the raw aux-landmark ROI.
            scale_roi = rect_from_alignment_points(aux[0], aux[1], w, h)
            object_scale = (scale_roi.width * w + scale_roi.height * h) / 2.0
            image, vis, aux, world = self._smoother.apply(
                image, vis, aux, world, object_scale, w, h
            )
        self._roi = roi_from_aux(aux, w, h)
        if self._people.scan_due():
            self._look_for_others(rgb, seen(aux, world, w, h))
        return PoseFrame(image.astype(np.float32), vis.astype(np.float32), world.astype(np.float32))

    def lead_in(self, rgb: np.ndarray) -> None:
        """A look at a frame before the first one to track (see LEAD_IN_FRAMES): who to
        follow is chosen as `process` chooses, so a slice of a video starts on the person
        exercising."""
        raw = self._track(rgb)
        if raw is None:
            return
        h, w = rgb.shape[:2]
        self._roi = roi_from_aux(raw.aux, w, h)
        self._look_for_others(rgb, seen(raw.aux, raw.world, w, h))

    def _look_for_others(self, rgb: np.ndarray, own: Seen) -> None:
        """A scan of the whole frame; follow someone else from the next frame on if they
        are the one exercising (their smoothing starts afresh)."""
        h, w = rgb.shape[:2]
        self.scans += 1
        found = self._detector.detect_all(rgb)

        def look(roi: Rect) -> Seen | None:
            self.landmark_calls += 1
            raw = self._landmarker.run(rgb, roi)
            return seen(raw.aux, raw.world, w, h) if raw.presence >= self._min_trk else None

        switch = self._people.update(
            own,
            [place_of(d.keypoints[0], d.keypoints[1], w, h) for d in found],
            look_at=lambda i: look(detection_rect(found[i], w, h)),
            look_again=lambda aux: look(roi_from_aux(aux, w, h)),
        )
        if switch is not None:
            self.switches += 1
            self._smoother.reset()
            self._roi = roi_from_aux(switch.aux, w, h)

    def tracking_state(self) -> bytes:
        """What carries over from one frame to the next (the ROI and the smoothing
        filters), so another process can go on exactly where this one stopped (live
        streams move between workers)."""
        arrays = self._smoother.state() | self._people.state()
        if self._roi is not None:
            arrays["roi"] = np.array(dataclasses.astuple(self._roi), dtype=np.float64)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    def restore_tracking(self, state: bytes | None) -> None:
        """Tracking as `tracking_state()` left it; None or b"" forgets it (detect anew)."""
        self._lose_track()
        if not state:
            return
        with np.load(io.BytesIO(state), allow_pickle=False) as z:
            arrays = {name: z[name] for name in z.files}
        if "roi" in arrays:
            self._roi = Rect(*(float(v) for v in arrays.pop("roi")))
        self._people.restore(arrays)
        self._smoother.restore(arrays)

    def _lose_track(self) -> None:
        self._roi = None
        self._smoother.reset()
        self._people.forget()

    def reset(self) -> None:
        self._lose_track()
        self._people = PeopleInView()

    def close(self) -> None:
        self._lose_track()
        self._detector = self._landmarker = None


def place_of(centre: np.ndarray, scale_point: np.ndarray, frame_w: int, frame_h: int) -> Place:
    """A person's hip centre and body radius in pixels, from the detector's keypoints 0-1
    or the landmark model's auxiliary landmarks (the same two points)."""
    x, y = float(centre[0]) * frame_w, float(centre[1]) * frame_h
    dx, dy = float(scale_point[0]) * frame_w - x, float(scale_point[1]) * frame_h - y
    return Place(x, y, float(np.hypot(dx, dy)))


def seen(aux: np.ndarray, world: np.ndarray, frame_w: int, frame_h: int) -> Seen:
    """One look at a person, from their auxiliary and world landmarks."""
    return Seen(place_of(aux[0], aux[1], frame_w, frame_h), joint_angles(world), aux)


def roi_from_aux(aux: np.ndarray, frame_w: int, frame_h: int) -> Rect:
    """PoseLandmarksToRoi: the next region of interest from the two auxiliary landmarks."""
    return transform_rect(
        rect_from_alignment_points(aux[0], aux[1], frame_w, frame_h), frame_w, frame_h
    )
