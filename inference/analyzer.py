"""The engine's entry points: batch analysis of a landmark sequence, streaming, video files.

There is one analysis path: `analyze_sequence`. `StreamingAnalyzer` buffers compact
per-frame landmarks (about 0.9 KB a frame at 10 fps, never video frames), gives live
estimates from a trailing window, and `finish()` runs `analyze_sequence` on the buffer, so
its result is identical to the batch result on the same frames. `analyze_video` is the
streaming analyzer fed by the decoder and the pose backbone.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from . import bout_classifier, calories, confidence, live
from . import custom as custom_exercises
from .calories import BodyMetrics
from .custom import CustomModel
from .decode import ANALYSIS_FPS
from .features import mirror, sequence_features, settled_frames
from .heads import EngineWeights, MemoView, WindowMemo, frame_probabilities, load_weights
from .landmarks import LandmarkSequence
from .pose import N_LANDMARKS, PoseBackbone, default_backbone, default_backbone_name
from .pose_slices import PoseSlices
from .postprocess import (
    fit_to_repetitions,
    make_bout,
    refine_with_motion,
    segment,
    stretch_repetitions,
)
from .result import AnalysisResult, BodyMetricsUsed, ModelInfo, Totals

MODEL_NAME = "coach-skeleton-tcn"


def body_metrics(body) -> tuple[dict, list[str]]:
    if body is None:
        body = BodyMetrics()
    elif isinstance(body, dict):
        body = BodyMetrics(**body)
    return body.resolved()


def _bout_probs(weights: EngineWeights, feats, mirrored, usable):
    """Whole-bout classifier probabilities for frames [a, b), averaged with the mirror
    image like the window classifier (None for weights without one)."""
    if not weights.has_bout_classifier:
        return None

    def probs(a: int, b: int):
        d = bout_classifier.descriptor(feats[a:b], usable[a:b])
        m = bout_classifier.descriptor(mirrored[a:b], usable[a:b])
        if d is None or m is None:
            return None
        p = bout_classifier.probabilities(weights.params, d)
        return (p + bout_classifier.probabilities(weights.params, m)) / 2

    return probs


def _novelty(weights: EngineWeights, feats, mirrored, usable, seg) -> float | None:
    """How unlike the taught bouts of the exercise it is named a bout looks
    (`bout_classifier.novelty`, the nearer of the bout and its mirror image)."""
    a, b = seg.start, seg.end
    if not weights.has_bout_classifier or seg.label not in weights.labels:
        return None
    k = weights.labels.index(seg.label)
    views = [bout_classifier.descriptor(f[a:b], usable[a:b]) for f in (feats, mirrored)]
    if any(d is None for d in views):
        return None
    far = [bout_classifier.novelty(weights.params, d, k) for d in views]
    return None if None in far else min(far)


@dataclass
class Classified:
    """The first half of an analysis: features, the window classifier's per-frame
    probabilities and the built-in bouts (segmentation and kinematic checks), before
    custom exercises, counting and calories (`analyze_sequence` = `classify` + `finish`;
    the few-shot evaluation classifies a clip once and finishes it with many custom
    models)."""

    seq: LandmarkSequence
    weights: EngineWeights
    feats: np.ndarray
    mirrored: np.ndarray
    usable: np.ndarray
    probs: np.ndarray
    segments: list
    live: bool = False  # a live refresh: no confidences (live does not show them)


def classify(
    seq: LandmarkSequence,
    weights: EngineWeights | None = None,
    windows: WindowMemo | None = None,
    first_frame: int = 0,
) -> Classified:
    """`windows`: the window classifier's memo of a live stream whose frame `first_frame` is
    the sequence's first (live refreshes)."""
    weights = weights or load_weights()
    feats, usable = sequence_features(seq)
    # Test-time augmentation: the mirror image is an equally valid view of the same motion
    # (the classifier was trained on both); averaging the two halves left/right bias.
    mirrored, _ = sequence_features(mirror(seq))
    memo = None
    if windows is not None:
        memo = MemoView(windows, first_frame, settled_frames(len(seq), seq.fps))
    probs = (
        frame_probabilities(feats, usable, weights, memo=memo)
        + frame_probabilities(mirrored, usable, weights, memo=memo and replace(memo, mirrored=True))
    ) / 2
    segs = segment(
        probs, usable, weights.labels, seq.fps, _bout_probs(weights, feats, mirrored, usable)
    )
    segs = refine_with_motion(segs, probs, feats, usable, weights.labels, seq.fps)
    return Classified(seq, weights, feats, mirrored, usable, probs, segs, windows is not None)


def analyze_sequence(
    seq: LandmarkSequence,
    body=None,
    weights: EngineWeights | None = None,
    backbone_name: str | None = None,
    evidence: list | None = None,
    custom: CustomModel | None = None,
    windows: WindowMemo | None = None,
    first_frame: int = 0,
) -> AnalysisResult:
    """Analyse landmarks on the analysis grid (the single analysis path of the engine).

    `backbone_name`: the pose backbone that made the landmarks, named in the result's model
    info; by default the default backbone (`pose.default_backbone_name()`). `evidence`: a
    list that receives each bout's confidence evidence (`inference.confidence`), in order.
    `custom`: a user's custom exercises (`train_custom`), named where they fit a bout better
    than the built-in label, counted with their learned priors and their MET. `windows`:
    the window classifier's memo of a live stream whose frame `first_frame` is the
    sequence's first (live refreshes; they skip the confidences, which live does not show)."""
    classified = classify(seq, weights, windows, first_frame)
    return finish(classified, body, backbone_name, evidence, custom)


def finish(
    classified: Classified,
    body=None,
    backbone_name: str | None = None,
    evidence: list | None = None,
    custom: CustomModel | None = None,
) -> AnalysisResult:
    """The second half of `analyze_sequence`: custom exercises, repetitions, bouts,
    confidences, calories and totals."""
    c = classified
    seq, weights, feats, usable, segs = c.seq, c.weights, c.feats, c.usable, c.segments
    backbone_name = backbone_name or default_backbone_name()
    body_used, defaulted = body_metrics(body)
    static = calories.STATIC_EXERCISES
    if custom is not None:
        segs = custom_exercises.relabel(
            segs, feats, c.mirrored, usable, c.probs, weights, custom, seq.fps
        )
        weights = custom_exercises.with_priors(weights, custom)
        static = static | custom.static
    reps = stretch_repetitions(segs, feats, seq.fps, weights, static)
    segs, reps = fit_to_repetitions(segs, reps, feats, seq.fps)
    bouts = [
        make_bout(
            s,
            feats,
            usable,
            seq.fps,
            weights,
            body_used,
            r,
            static,
            custom_exercises.exercise_met(custom, s.label),
        )
        for s, r in zip(segs, reps, strict=True)
    ]
    calibration = None if c.live else confidence.load_calibration(weights.version)
    if calibration is not None or evidence is not None:
        for s, b in zip(segs, bouts, strict=True):
            ev = confidence.bout_evidence(
                b, s.start, s.end, feats, usable, seq.fps, weights.prior(s.label),
                _novelty(weights, feats, c.mirrored, usable, s),
            )  # fmt: skip
            if evidence is not None:
                evidence.append(ev)
            confidence.calibrated(b, ev, calibration)
            if custom is not None and custom.exercise(s.label) is not None:
                # the calibration speaks of built-in labels: a custom bout keeps its fit
                b.confidence = round(s.confidence, 3)
    reps_by: dict[str, int] = {}
    for b in bouts:
        if b.exercise not in static:
            reps_by[b.exercise] = reps_by.get(b.exercise, 0) + b.reps
    totals = Totals(
        kcal=round(sum(b.kcal for b in bouts), 2),
        active_s=round(sum(b.duration_s for b in bouts), 2),
        reps_by_exercise=reps_by,
    )
    n = len(seq)
    return AnalysisResult(
        duration_s=round(float(seq.duration_s), 3),
        frames_analysed=n,
        analysis_fps=seq.fps,
        person_visible_fraction=round(float(seq.present.mean()) if n else 0.0, 4),
        bouts=bouts,
        totals=totals,
        model=ModelInfo(name=f"{MODEL_NAME}+{backbone_name}", version=weights.version),
        body_metrics=BodyMetricsUsed(**body_used, defaulted=defaulted),
    )


@dataclass
class LiveState:
    elapsed_s: float
    person_visible: bool
    current_exercise: str | None  # None while idle / no person
    reps_so_far: int
    kcal_so_far: float


class _GrowingArray:
    """Append-only float32 storage that grows in chunks (no per-frame reallocation)."""

    def __init__(self, shape, dtype=np.float32, chunk=1024):
        self._a = np.zeros((chunk, *shape), dtype)
        self.n = 0

    def append(self, v):
        if self.n == len(self._a):
            self._a = np.concatenate([self._a, np.zeros_like(self._a)])
        self._a[self.n] = v
        self.n += 1

    def view(self, start=0):
        return self._a[start : self.n]


class StreamingAnalyzer:
    """Feed analysis frames one at a time (`push`): RGB images, `PoseFrame`s or None.

    RGB frames go through the pose backbone (created lazily in this process). Frames must be
    on the analysis grid (`fps`, default 10/s); `analyze_video` does that resampling.
    """

    LIVE_EVERY_S = live.REFRESH_EVERY_S  # and are refreshed this often

    def __init__(
        self,
        body=None,
        fps: float = ANALYSIS_FPS,
        weights: EngineWeights | None = None,
        backbone: PoseBackbone | None = None,
        frame_size=(0, 0),
        custom: CustomModel | None = None,
    ):
        self.body = body
        self.custom = custom
        self.fps = float(fps)
        self._weights = weights
        self._backbone = backbone
        self.frame_size = tuple(frame_size)
        self._image = _GrowingArray((N_LANDMARKS, 3))
        self._vis = _GrowingArray((N_LANDMARKS,))
        self._world = _GrowingArray((N_LANDMARKS, 3))
        self._present = _GrowingArray((), bool)
        self._tally = live.LiveTally()
        self._windows = WindowMemo()  # the window classifier's outputs, kept between refreshes
        self._live = LiveState(0.0, False, None, 0, 0.0)

    @property
    def weights(self) -> EngineWeights:
        if self._weights is None:
            self._weights = load_weights()
        return self._weights

    @property
    def frames(self) -> int:
        return self._present.n

    def push(self, frame) -> LiveState:
        if isinstance(frame, np.ndarray) and frame.ndim == 3:
            if self._backbone is None:
                self._backbone = default_backbone()
            if not self.frame_size[0]:
                self.frame_size = (frame.shape[1], frame.shape[0])
            frame = self._backbone.process(frame)
        if frame is None:
            self._image.append(np.nan)
            self._vis.append(0.0)
            self._world.append(np.nan)
            self._present.append(False)
        else:
            self._image.append(frame.image)
            self._vis.append(frame.visibility)
            self._world.append(frame.world)
            self._present.append(True)
        live = math.isfinite(self.LIVE_EVERY_S)
        if live and self.frames % max(1, int(round(self.LIVE_EVERY_S * self.fps))) == 0:
            self._refresh_live()
        else:
            self._live.elapsed_s = self.frames / self.fps
            self._live.person_visible = frame is not None
        return self._live

    def _sequence(self, start: int = 0, duration_s: float | None = None) -> LandmarkSequence:
        n = self.frames - start
        return LandmarkSequence(
            self.fps,
            self._image.view(start),
            self._vis.view(start),
            self._world.view(start),
            self._present.view(start),
            self.frame_size or (1, 1),
            duration_s if duration_s is not None else n / self.fps,
        )

    def refresh_live(self) -> LiveState:
        """The live estimate brought up to the newest frame now, whatever the refresh
        rhythm (a stream does this on stop, so its last estimate has seen every frame)."""
        if self.frames:
            self._refresh_live()
        return self._live

    def _refresh_live(self) -> None:
        now = self.frames / self.fps
        start = live.window_start(self.frames, self.fps)
        res = analyze_sequence(
            self._sequence(start),
            self.body,
            self.weights,
            custom=self.custom,
            windows=self._windows,
            first_frame=start,
        )
        self._windows.forget_before(start)
        self._tally = live.tally(self._tally, res, start / self.fps, now)
        self._live = LiveState(
            now,
            bool(self._present.view(self.frames - 1)[0]) if self.frames else False,
            self._tally.exercise,
            self._tally.reps,
            self._tally.kcal,
        )

    def landmarks(self, duration_s: float | None = None) -> LandmarkSequence:
        """Every frame pushed so far, as a sequence (a copy: the buffers keep growing)."""
        seq = self._sequence(0, duration_s)
        return replace(
            seq,
            image=seq.image.copy(),
            visibility=seq.visibility.copy(),
            world=seq.world.copy(),
            present=seq.present.copy(),
        )

    def finish(self, duration_s: float | None = None) -> AnalysisResult:
        """Final result: the batch analysis of every frame pushed."""
        name = getattr(self._backbone, "name", None)  # None: the default backbone's
        return analyze_sequence(
            self._sequence(0, duration_s), self.body, self.weights, name, custom=self.custom
        )

    def close(self) -> None:
        if self._backbone is not None:
            self._backbone.close()


def analyze_video(
    path,
    body=None,
    progress: Callable[[float], None] | None = None,
    backbone: PoseBackbone | None = None,
    weights: EngineWeights | None = None,
    timings: dict | None = None,
    custom: CustomModel | None = None,
    keep_landmarks: bool = False,
):
    """Analyse a video file. `progress(fraction)` is called as decoding advances.

    Returns the AnalysisResult; with `keep_landmarks=True`, `(result, landmarks)`: the
    LandmarkSequence it analysed, for storing (`LandmarkSequence.to_bytes`) so examples and
    corrections later need no second pose run. `custom`: see `analyze_sequence`."""
    own = backbone is None
    backbone = backbone or default_backbone()
    video = PoseSlices(str(path), backbone)
    analyzer = StreamingAnalyzer(body, video.fps, weights, backbone, custom=custom)
    analyzer.LIVE_EVERY_S = float("inf")  # no live estimates needed in batch mode
    expected = max(1, int(video.info.duration_s * video.fps))
    t0 = time.perf_counter()
    try:
        for fr in video:
            analyzer.frame_size = fr.size
            analyzer.push(fr.pose)
            if progress is not None and fr.index % 10 == 0:
                progress(min(1.0, fr.index / expected))
        result = analyzer.finish(video.duration_s)
    finally:
        if own:
            backbone.close()
    if progress is not None:
        progress(1.0)
    if timings is not None:
        timings["wall_s"] = time.perf_counter() - t0
    if keep_landmarks:
        return result, analyzer.landmarks(video.duration_s)
    return result
