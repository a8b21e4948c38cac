"""From per-frame class probabilities to bouts with repetitions, hold time and calories."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import calories
from .counting import RepCount, count_reps
from .features import ANGLE_SLICE, POSTURE_SLICE, SEG_SLICE
from .heads import IDLE, UNKNOWN, EngineWeights
from .result import Bout

SWITCH_PENALTY = 6.0  # nats to switch active/idle between frames: removes flicker < ~1 s
#: nats to change exercise inside an active stretch (low enough that a stretch splits into
#: parts the whole-bout classifier then labels one by one).
EXERCISE_SWITCH_PENALTY = 8.0
MIN_BOUT_S = 2.0  # shorter exercise runs are treated as idle
UNKNOWN_BELOW = 0.1  # mean exercise probability under which a bout is `unknown`
MOTION_MIN_REPS = 3  # kinematic checks: at least this many clean repetitions
MOTION_MIN_PERIODICITY = 0.6  # autocorrelation peak of the dominant signal
MOTION_MIN_GAP_S = 4.0  # idle stretches shorter than this are left alone
HOLD_MIN_PRONE = 0.6  # fraction of a bout in a straight prone support to call it a plank
PLANK = "plank"
ARMS_STILL = 0.15  # elbow angle range (fraction of 180 deg) of a held support
HOLD_MIN_SUPPORT = 0.3  # plank hold = time in the support when this much of the bout shows it
# A moving bout with repetitions spans them: time further than one typical repetition
# (at least EDGE_MIN_S) before the first or after the last is rest, and so is a pause
# between two repetitions longer than PAUSE_REPS typical repetitions (at least PAUSE_MIN_S).
FIT_MIN_REPS = 2  # fewer repetitions than this leave the bout as it is
EDGE_MIN_S = 1.0
PAUSE_REPS = 4.0
PAUSE_MIN_S = 6.0
#: stretch_repetitions: two back-to-back moving segments both at least this long are
#: counted apart (a flickering label gives short pieces, which stay one run).
RUN_SPLIT_S = 5.0


@dataclass
class Segment:
    label: str
    start: int  # frame index, inclusive
    end: int  # frame index, exclusive
    confidence: float


def viterbi_labels(probs: np.ndarray, penalty: float = SWITCH_PENALTY) -> np.ndarray:
    """Most likely label path with a constant penalty per label change."""
    n, c = probs.shape
    if n == 0:
        return np.zeros(0, int)
    logp = np.log(probs + 1e-6)
    score = logp[0].copy()
    back = np.zeros((n, c), np.int32)
    for i in range(1, n):
        best_prev = int(np.argmax(score))
        stay = score
        switch = score[best_prev] - penalty
        take_switch = switch > stay
        back[i] = np.where(take_switch, best_prev, np.arange(c))
        score = np.where(take_switch, switch, stay) + logp[i]
    path = np.zeros(n, int)
    path[-1] = int(np.argmax(score))
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def _runs(path: np.ndarray):
    i, n = 0, len(path)
    while i < n:
        j = i
        while j < n and path[j] == path[i]:
            j += 1
        yield int(path[i]), i, j
        i = j


def segment(
    probs: np.ndarray,
    usable: np.ndarray,
    labels: list[str],
    fps: float,
    bout_probs: Callable[[int, int], np.ndarray | None] | None = None,
) -> list[Segment]:
    """Exercise segments; idle and no-person time stay outside them.

    Two stages, so that evidence is pooled where it is weakest: first active vs idle (the
    idle class against all exercises together), then, inside each active stretch, which
    exercise (a second smoothing with a higher change penalty, so a bout changes label only
    on sustained evidence; each part is labelled by its mean probabilities, multiplied by
    `bout_probs(start, end)` (the whole-bout classifier, over `labels`) when given).
    """
    if len(probs) == 0:
        return []
    idle = labels.index(IDLE)
    p_active = 1.0 - probs[:, idle]
    p_active[~usable] = 0.0  # no person: never inside a bout
    path = viterbi_labels(np.stack([1.0 - p_active, p_active], axis=1), SWITCH_PENALTY)
    ex_idx = [k for k in range(len(labels)) if k != idle]
    segs = []
    visible = max(int(usable.sum()), 1)
    for state, i, j in _runs(path):
        # A short run is a blip in a longer video, but in a short clip that is mostly this
        # movement it is the workout (a clip of one repetition).
        if state != 1 or ((j - i) / fps < MIN_BOUT_S and (j - i) < visible / 2):
            continue
        ex = probs[i:j][:, ex_idx]
        ex = ex / np.maximum(ex.sum(axis=1, keepdims=True), 1e-9)
        sub = viterbi_labels(ex, EXERCISE_SWITCH_PENALTY)
        parts = [[k, a, b] for k, a, b in _runs(sub)]
        # Parts too short to be a bout join the previous (or next) part.
        merged = []
        for part in parts:
            if merged and (part[2] - part[1]) / fps < MIN_BOUT_S:
                merged[-1][2] = part[2]
            else:
                merged.append(part)
        if len(merged) > 1 and (merged[0][2] - merged[0][1]) / fps < MIN_BOUT_S:
            merged[1][1] = merged[0][1]
            merged.pop(0)
        for _, a, b in merged:
            mean = ex[a:b].mean(axis=0)
            second = bout_probs(i + a, i + b) if bout_probs is not None else None
            if second is not None:
                mean = mean * second[ex_idx]
                mean = mean / max(float(mean.sum()), 1e-12)
            k = int(np.argmax(mean))
            conf = float(mean[k])
            label = labels[ex_idx[k]] if conf >= UNKNOWN_BELOW else UNKNOWN
            segs.append(Segment(label, i + a, i + b, conf))
    return merge_adjacent(segs)


def merge_adjacent(segs: list[Segment]) -> list[Segment]:
    """Adjacent parts that ended up with the same label are one bout: counting them apart
    breaks the repetition at the seam and counts each short part on its own."""
    out: list[Segment] = []
    for s in segs:
        last = out[-1] if out else None
        if last is not None and last.label == s.label and last.end == s.start:
            n0, n1 = last.end - last.start, s.end - s.start
            conf = (last.confidence * n0 + s.confidence * n1) / (n0 + n1)
            out[-1] = Segment(s.label, last.start, s.end, conf)
        else:
            out.append(s)
    return out


def _label_from_probs(probs: np.ndarray, labels: list[str], exclude: set[str]) -> tuple[str, float]:
    """Best exercise by mean probability over frames, renormalised without `exclude`."""
    keep = [k for k, lab in enumerate(labels) if lab not in exclude]
    p = probs[:, keep]
    p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-9)
    mean = p.mean(axis=0)
    k = int(np.argmax(mean))
    conf = float(mean[k])
    return (labels[keep[k]] if conf >= UNKNOWN_BELOW else UNKNOWN), conf


def prone_support(feats: np.ndarray) -> np.ndarray:
    """Per frame: a straight-body support face down (plank, top of a push-up)."""
    ang, vert = feats[:, ANGLE_SLICE], feats[:, SEG_SLICE]
    face_down = feats[:, POSTURE_SLICE][:, 0] < -0.5
    horizontal = np.abs(vert[:, 0]) < 0.6
    straight = ang[:, 4:8].min(axis=1) > 0.75  # hips and knees extended
    return face_down & horizontal & straight


def clear_repetitions(feats: np.ndarray, fps: float) -> RepCount | None:
    """The class-agnostic count when it shows a clearly repeated movement (at least
    MOTION_MIN_REPS repetitions of a periodic signal), else None: the one test behind the
    kinematic checks below."""
    rc = count_reps(feats, fps)
    if rc.reps < MOTION_MIN_REPS or rc.periodicity < MOTION_MIN_PERIODICITY:
        return None
    return rc


def _is_held_plank(feats: np.ndarray, fps: float) -> bool:
    """Held straight support, arms still, without clean repetitions: a plank, whatever the
    windows said (a plank jack or a mountain climber repeats a leg movement; a push-up
    bends the arms)."""
    if len(feats) == 0 or prone_support(feats).mean() < HOLD_MIN_PRONE:
        return False
    elbows = feats[:, ANGLE_SLICE][:, 0:2]
    if (np.percentile(elbows, 90, axis=0) - np.percentile(elbows, 10, axis=0)).max() > ARMS_STILL:
        return False  # the arms bend: push-ups
    return clear_repetitions(feats, fps) is None  # the converse of the check on plank bouts


def refine_with_motion(
    segs: list[Segment],
    probs: np.ndarray,
    feats: np.ndarray,
    usable: np.ndarray,
    labels: list[str],
    fps: float,
) -> list[Segment]:
    """Kinematic checks the classifier cannot make from 3-s windows alone.

    * A static exercise (plank) does not repeat a large movement: a "plank" bout with clear
      repetitions takes the best non-static label instead (e.g. mountain climbers, plank jacks).
    * Conversely, a bout of a moving exercise spent mostly in a straight prone support
      without repetitions is a plank.
    * Clear repetitive movement the classifier called idle is still exercise: such a stretch
      becomes a bout (labelled by the classifier if it is confident enough, else `unknown`),
      so repetitions of exercises the model cannot name are still counted.
    """
    static = set(calories.STATIC_EXERCISES)
    out = []
    for s in segs:
        if s.label in static:
            if clear_repetitions(feats[s.start : s.end], fps) is not None:
                label, conf = _label_from_probs(probs[s.start : s.end], labels, static | {IDLE})
                s = Segment(label, s.start, s.end, conf)
        elif PLANK in labels and _is_held_plank(feats[s.start : s.end], fps):
            keep = [k for k, lab in enumerate(labels) if lab != IDLE]
            p = probs[s.start : s.end][:, keep]
            p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-9)
            conf = float(p[:, keep.index(labels.index(PLANK))].mean())
            s = Segment(PLANK, s.start, s.end, conf)
        out.append(s)
    # Idle stretches between bouts.
    gaps, prev = [], 0
    for s in out + [Segment("", len(probs), len(probs), 0.0)]:
        if s.start - prev >= MOTION_MIN_GAP_S * fps:
            gaps.append((prev, s.start))
        prev = s.end
    added = []
    for a, b in gaps:
        # only the part with a person in view
        idx = np.flatnonzero(usable[a:b])
        if len(idx) < MOTION_MIN_GAP_S * fps:
            continue
        a, b = a + int(idx[0]), a + int(idx[-1]) + 1
        if usable[a:b].mean() < 0.9:
            continue
        rc = clear_repetitions(feats[a:b], fps)
        if rc is None:
            continue
        ra, rb = rc.rep_frames[0][0], rc.rep_frames[-1][1]
        a2, b2 = max(a, a + ra - int(fps // 2)), min(b, a + rb + int(fps // 2))
        label, conf = _label_from_probs(probs[a2:b2], labels, {IDLE})
        added.append(Segment(label, a2, b2, conf))
    return sorted(out + added, key=lambda s: s.start)


def hold_seconds(feats: np.ndarray, usable: np.ndarray, fps: float) -> float:
    """Time a static bout is held: frames in the straight prone support (getting into and
    out of position is not holding); all frames with a person when that posture is rarely
    seen (a view where it is not recognised)."""
    support = usable & prone_support(feats)
    if usable.any() and support.sum() >= HOLD_MIN_SUPPORT * usable.sum():
        return float(support.sum() / fps)
    return float(usable.sum() / fps)


def range_of_motion(feats: np.ndarray) -> float:
    """Largest joint-angle range in the bout, as a fraction of 180 degrees (robust percentiles)."""
    if len(feats) < 3:
        return 0.0
    a = feats[:, ANGLE_SLICE]
    return float((np.percentile(a, 95, axis=0) - np.percentile(a, 5, axis=0)).max())


def stretch_repetitions(
    segs: list[Segment],
    feats: np.ndarray,
    fps: float,
    weights: EngineWeights,
    static: set[str] | None = None,
) -> list[list[tuple[int, int]] | None]:
    """Repetitions (absolute frame spans) of each moving segment, counted over the whole
    run of back-to-back moving segments it belongs to and given to the segment holding
    each repetition's midpoint (None for static segments).

    A label that flickers inside one movement (push-up, pull-up, push-up) must not cut the
    movement's signal into short pieces: each piece is counted on its own, and repetitions
    at the seams are lost or doubled. The run is counted with the prior of its longest
    segment. Two long segments side by side are different stretches of movement (idle
    time called an exercise, then the exercise; two exercises): one run would make the
    signal of one set the period and the thresholds of the other, so they are counted
    apart. `static`: the held exercises (calories.STATIC_EXERCISES by default; custom
    held exercises join them)."""

    def long(seg: Segment) -> bool:
        return seg.end - seg.start >= RUN_SPLIT_S * fps

    out: list[list[tuple[int, int]] | None] = [None] * len(segs)
    static = calories.STATIC_EXERCISES if static is None else static
    i = 0
    while i < len(segs):
        if segs[i].label in static:
            i += 1
            continue
        j = i + 1
        while (
            j < len(segs)
            and segs[j].label not in static
            and segs[j].start == segs[j - 1].end
            and not (long(segs[j - 1]) and long(segs[j]))
        ):
            j += 1
        run = segs[i:j]
        a, b = run[0].start, run[-1].end
        longest = max(run, key=lambda s: s.end - s.start)
        rc = count_reps(feats[a:b], fps, weights.prior(longest.label), b == len(feats))
        for k in range(i, j):
            out[k] = []
        for ra, rb in rc.rep_frames:
            mid = a + (ra + rb) / 2
            k = next((k for k in range(i, j) if segs[k].start <= mid < segs[k].end), j - 1)
            out[k].append((a + ra, a + rb))
        i = j
    return out


def fit_to_repetitions(
    segs: list[Segment],
    reps: list[list[tuple[int, int]] | None],
    feats: np.ndarray,
    fps: float,
) -> tuple[list[Segment], list[list[tuple[int, int]] | None]]:
    """Moving bouts trimmed to their repetitions, split at long pauses between them, and
    dropped when they have none.

    The classifier's 3-s windows and the active/idle smoothing let a bout spill over the
    standing, talking or walking around it: a person standing still before squats looks
    like the top of a squat. The counted repetitions say where the movement is. A moving
    bout without a repetition is such time on its own, unless the class-agnostic counter
    finds clear repetitions in it (the label's counting prior is then the thing that is
    wrong, so those repetitions are its count). Static bouts are left as they are."""
    out_segs: list[Segment] = []
    out_reps: list[list[tuple[int, int]] | None] = []
    for seg, rep_frames in zip(segs, reps, strict=True):
        if rep_frames is not None and not rep_frames:
            rc = clear_repetitions(feats[seg.start : seg.end], fps)
            if rc is None:
                continue
            rep_frames = [(seg.start + a, seg.start + b) for a, b in rc.rep_frames]
        if rep_frames is None or len(rep_frames) < FIT_MIN_REPS:
            out_segs.append(seg)
            out_reps.append(rep_frames)
            continue
        typical = float(np.median([b - a for a, b in rep_frames]))
        edge = max(typical, EDGE_MIN_S * fps)
        pause = max(PAUSE_REPS * typical, PAUSE_MIN_S * fps)
        groups = [[rep_frames[0]]]
        for prev, rep in itertools.pairwise(rep_frames):
            if rep[0] - prev[1] > pause:
                groups.append([])
            groups[-1].append(rep)
        for group in groups:
            start = max(seg.start, int(group[0][0] - edge))
            end = min(seg.end, int(np.ceil(group[-1][1] + edge)))
            out_segs.append(Segment(seg.label, start, end, seg.confidence))
            out_reps.append(group)
    return out_segs, out_reps


def make_bout(
    seg: Segment,
    feats: np.ndarray,
    usable: np.ndarray,
    fps: float,
    weights: EngineWeights,
    body: dict,
    rep_frames: list[tuple[int, int]] | None = None,
    static: set[str] | None = None,
    base_met: float | None = None,
) -> Bout:
    """One bout; `rep_frames` (absolute frames, from stretch_repetitions): its repetitions,
    counted here from its own frames when not given. `static` (held exercises) and
    `base_met` default to the built-in exercises' (calories); custom exercises bring their
    own."""
    f = feats[seg.start : seg.end]
    duration = (seg.end - seg.start) / fps
    if base_met is None:
        base_met, _code = calories.exercise_met(seg.label)
    static = calories.STATIC_EXERCISES if static is None else static
    if seg.label in static:
        reps, rep_times, hold = 0, [], hold_seconds(f, usable[seg.start : seg.end], fps)
        met = base_met
    else:
        if rep_frames is None:
            rc = count_reps(f, fps, weights.prior(seg.label))
            rep_frames = [(seg.start + a, seg.start + b) for a, b in rc.rep_frames]
        reps = len(rep_frames)
        rep_times = [[round(a / fps, 2), round(b / fps, 2)] for a, b in rep_frames]
        hold = None
        cadence = reps / duration * 60.0 if duration > 0 and reps else None
        met = (
            base_met
            * calories.intensity_factor(cadence, weights.typical_cadence.get(seg.label))
            * calories.rom_factor(range_of_motion(f))
        )
    return Bout(
        exercise=seg.label,
        start_s=round(seg.start / fps, 2),
        end_s=round(seg.end / fps, 2),
        reps=int(reps),
        rep_times_s=rep_times,
        hold_s=None if hold is None else round(hold, 2),
        met=round(float(met), 2),
        kcal=round(calories.kcal(met, body, duration), 2),
        confidence=round(seg.confidence, 3),
    )
