"""Repetition counting from the periodic structure of the skeleton signal.

Class-agnostic core (works for exercises the classifier cannot name):

1. candidate 1-D signals: joint angles, segment verticality, canonical joint positions and
   image-space heights of hips/wrists (in the picture, in torso lengths);
2. each is smoothed and detrended (slow drift of camera or posture is not a repetition);
3. the autocorrelation of each gives its periodicity and period; the most periodic signals
   that agree on the period are sign-aligned and averaged into one "dominant" signal. When
   another channel is nearly as periodic at a shorter period (a left+right sum repeating
   once per side while each side repeats once per left-right cycle, or a signal that
   sees every repetition while another merges pairs), the shorter period wins;
4. a hysteresis state machine on that signal finds complete repetitions: leave the rest
   position, pass the turning point, come back. In long, clearly periodic bouts its
   thresholds follow the signal's level and range over a few periods. The rest side is
   the side the person is on at the start and end of the bout. Each repetition gets a
   start and end time (the rest extremes around it), so partial repetitions at the edges
   are not counted, and a cycle far shallower than the bout's others (a sway, settling
   after the last repetition) is dropped.

Class-aware part: `RepPrior` per exercise (learned by the training command) says how many
counted repetitions one detected cycle is worth (e.g. 2 for per-side exercises whose
dominant signal is the left-right cycle) and the expected period range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .features import (
    ANGLE_SLICE,
    IMAGE_HEIGHT_POINTS,
    IMAGE_HEIGHT_SLICE,
    L_WR,
    N_STATIC,
    POS_SLICE,
    R_WR,
    SEG_SLICE,
)

MIN_PERIOD_S = 0.3  # shortest repetition period looked for
MAX_PERIOD_S = 8.0  # longest repetition period looked for
HYSTERESIS = 0.22  # thresholds at median +- this fraction of the robust range
MIN_RANGE = 0.08  # a channel moving less than this is landmark jitter, not a repetition
REL_RANGE = 0.5  # only channels moving at least this fraction of the largest motion
#: Octave errors: among channels at least this periodic relative to the best one, the one
#: with the shortest period sets the count.
PREFER_SHORT = 0.7
#: The period is the shortest lag whose autocorrelation peak is at least this fraction of
#: the highest (the highest of two or three near-equal peaks is an octave error).
FIRST_PEAK = 0.8
#: Best autocorrelation peak under which nothing is periodic.
NON_PERIODIC_BELOW = 0.1
TREND_PERIODS = 1.0  # drift window, in longest periods (see moving_signals)


#: A per-side prior splits a one-sided cycle only when the left and right joints that move
#: most are correlated at most this much (they alternate; above it both sides move together).
SYMMETRIC_ABOVE = 0.6


@dataclass
class RepPrior:
    cycles_per_rep: float = (
        1.0  # detected cycles per counted repetition (0.5 for per-side L/R signals)
    )
    rest: str = "edges"  # rest side: "edges" (where the bout starts/ends), "extended"
    # (larger joint angles, e.g. standing), or "flexed"
    min_period_s: float = MIN_PERIOD_S
    max_period_s: float = MAX_PERIOD_S

    def to_dict(self):
        return {
            "cycles_per_rep": self.cycles_per_rep,
            "rest": self.rest,
            "min_period_s": self.min_period_s,
            "max_period_s": self.max_period_s,
        }


@dataclass
class RepCount:
    reps: int
    rep_frames: list[tuple[int, int]]  # (start, end) frame indices, relative to the segment
    period_s: float | None
    periodicity: float  # autocorrelation peak of the dominant signal (0..1)
    amplitude: float  # robust range of the dominant signal
    signal: np.ndarray  # the dominant signal (for debugging / ROM)


def _smooth(x: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0 or len(x) < 3:
        return x
    r = int(3 * sigma + 0.5)
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    pad = np.pad(x, ((r, r),) + ((0, 0),) * (x.ndim - 1), mode="edge")
    if x.ndim == 1:
        return np.convolve(pad, k, mode="valid")
    return np.stack([np.convolve(pad[:, j], k, mode="valid") for j in range(x.shape[1])], axis=1)


def _moving_average(x: np.ndarray, win: int) -> np.ndarray:
    if win <= 1 or len(x) < 2:
        return np.zeros_like(x)
    win = min(win, len(x))
    pad_l, pad_r = win // 2, win - 1 - win // 2
    p = np.pad(
        x, ((pad_l, pad_r), (0, 0)), mode="reflect" if len(x) > max(pad_l, pad_r) else "edge"
    )
    c = np.cumsum(np.vstack([np.zeros((1, x.shape[1])), p]), axis=0)
    return (c[win:] - c[:-win]) / win


_COUNTED_HEIGHTS = [IMAGE_HEIGHT_POINTS.index(k) for k in ("hip", L_WR, R_WR)]


def candidate_signals(feats: np.ndarray, fps: float) -> np.ndarray:
    """(n, k) raw candidate signals from the feature matrix of a segment."""
    static = feats[:, :N_STATIC]
    # Image-space heights of mid-hip and wrists, in the segment's median torso lengths
    # (integrating their speed drifted, and a drifting channel hides the repetitions).
    heights = feats[:, IMAGE_HEIGHT_SLICE]
    torso = max(float(np.median(heights[:, -1])), 0.02) if len(heights) else 1.0
    im_height = heights[:, _COUNTED_HEIGHTS] / torso
    angles, verticals = static[:, ANGLE_SLICE], static[:, SEG_SLICE]
    # Left+right sums: alternating movements (lunges, high knees) repeat once per side in
    # these, while each side alone repeats once per left-right cycle.
    ang_sym = angles[:, 0::2] + angles[:, 1::2]
    vert_sym = verticals[:, 1::2] + verticals[:, 2::2]
    wrist_sym = im_height[:, 1:2] + im_height[:, 2:3]
    return np.concatenate(
        [angles, verticals, static[:, POS_SLICE], im_height, ang_sym, vert_sym, wrist_sym], axis=1
    )


#: candidate_signals ends with this many left+right sum channels (once per side already)
N_SYMMETRIC = 4 + 4 + 1

#: Exercises counted per side by definition (the dataset's counting rules: every knee
#: drive / side touch is one repetition). Used when training saw no bout of the exercise
#: (a label from a single source left out in cross-validation, or only synthetic clips).
PER_SIDE_BY_DEFINITION = {"high_knees", "mountain_climber", "russian_twist", "butt_kick"}


def default_prior(label: str | None) -> RepPrior:
    return RepPrior(cycles_per_rep=0.5) if label in PER_SIDE_BY_DEFINITION else RepPrior()


def _autocorr(x: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation of each column (lags 0..n-1), unbiased for lag length."""
    n = len(x)
    x = x - x.mean(axis=0)
    f = np.fft.rfft(x, n=2 * n, axis=0)
    ac = np.fft.irfft(f * np.conj(f), axis=0)[:n]
    ac /= np.maximum(ac[:1], 1e-9)
    ac *= n / np.maximum(n - np.arange(n), 1)[:, None]  # undo the taper of short overlaps
    return ac


def _best_peak(ac: np.ndarray, lo: int, hi: int) -> tuple[int, float]:
    """The period of an autocorrelation column inside [lo, hi]: the shortest lag whose local
    maximum is within FIRST_PEAK of the highest one. A periodic signal correlates almost
    as well at two or three periods as at one; the highest of those peaks is a coin toss
    that doubled or tripled the period (an octave error)."""
    hi = min(hi, len(ac) - 2)
    peaks = [
        (lag, float(ac[lag]))
        for lag in range(max(lo, 1), hi + 1)
        if ac[lag] > ac[lag - 1] and ac[lag] >= ac[lag + 1] and ac[lag] > 0.0
    ]
    if not peaks:
        return 0, 0.0
    top = max(v for _, v in peaks)
    return next((lag, v) for lag, v in peaks if v >= FIRST_PEAK * top)


def moving_signals(feats: np.ndarray, fps: float, prior: RepPrior):
    """(signals, scale, active): the candidate signals smoothed and detrended, their
    robust (10-90%) ranges, and which of them move enough to be a repetition."""
    sig = _smooth(candidate_signals(feats, fps), sigma=max(0.6, fps * 0.06))
    # Drift is what is slower than the slowest repetition (a window that shrinks with the
    # bout would remove a slow repetition along with the drift).
    trend_win = int(round(prior.max_period_s * TREND_PERIODS * fps))
    sig = sig - _moving_average(sig, trend_win)
    scale = np.percentile(sig, 90, axis=0) - np.percentile(sig, 10, axis=0)
    # Ignore channels that barely move: landmark jitter of a person standing still spans
    # ~0.03-0.05 (torso lengths / fractions of 180 deg); a real repetition moves some joint
    # by well over 0.1.
    active = scale > max(MIN_RANGE, REL_RANGE * scale.max())
    return sig, scale, active


def dominant_signal(feats: np.ndarray, fps: float, prior: RepPrior | None = None):
    """(signal, period_frames, periodicity, channel) of the most periodic skeleton motion;
    channel: index of the candidate signal it follows (None when nothing moves)."""
    prior = prior or RepPrior()
    n = len(feats)
    sig, scale, active = moving_signals(feats, fps, prior)
    if n < 6 or not active.any():
        return np.zeros(n), None, 0.0, None
    ac = _autocorr(sig)
    lo = int(np.floor(prior.min_period_s * fps))
    # Need at least ~1.6 cycles inside the segment to call a lag periodic.
    hi = int(min(prior.max_period_s * fps, n / 1.6))
    peaks = [(_best_peak(ac[:, j], lo, hi) if active[j] else (0, 0.0)) for j in range(sig.shape[1])]
    scores = np.array([v for _, v in peaks])
    if scores.max() <= NON_PERIODIC_BELOW:
        # Fewer than two cycles or no periodicity: use the largest-range channel, no period.
        j = int(np.argmax(scale * active))
        return _extension_positive(sig[:, j] / (scale[j] + 1e-9), sig), None, 0.0, j
    order = np.argsort(-scores)
    best = order[0]
    # Octave errors: a channel repeating twice as often, nearly as cleanly, is the one that
    # counts each movement (e.g. per-side signal vs left-right cycle).
    near = [j for j in order if scores[j] >= PREFER_SHORT * scores[best] and peaks[j][0] > 0]
    ref = min(near, key=lambda j: (peaks[j][0], -scores[j]))
    dominant = sig[:, ref] / (scale[ref] + 1e-9)
    return _extension_positive(dominant, sig), peaks[ref][0], float(scores[ref]), int(ref)


def _extension_positive(s: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """Fix the arbitrary sign: high = body more extended (sum of joint angles larger)."""
    n_ang = ANGLE_SLICE.stop - ANGLE_SLICE.start
    ext = sig[:, :n_ang].sum(axis=1)  # candidate_signals puts the angles first
    return -s if float(np.dot(s - s.mean(), ext - ext.mean())) < 0 else s


def count_cycles(
    s: np.ndarray,
    period: int | None,
    hysteresis: float = HYSTERESIS,
    rest: str = "edges",
    local: bool = False,
):
    """Complete rest -> turn -> rest cycles of a 1-D signal. Returns [(start, end)] frames.

    rest: which side of the signal is the rest position: "edges" (the side the signal is on
    at the start and end), "extended" (high values) or "flexed" (low values).
    local: the thresholds follow the signal's level and range over LOCAL_PERIODS periods
    (for a clearly periodic signal; see _levels).
    """
    n = len(s)
    if n < 4:
        return []
    lo_q, hi_q = np.percentile(s, [10, 90])
    if hi_q - lo_q <= 1e-9:
        return []
    med, rng = _levels(s, lo_q, hi_q, period if local else None)
    # Rest side: where the bout starts and ends (people start and finish at rest). Look at a
    # short edge only (a quarter period), or a cycle's worth would average out.
    edge = max(2, min(n // 10, (period or 8) // 4))
    edge_mean = np.concatenate([s[:edge], s[-edge:]]).mean()
    if (rest == "edges" and edge_mean < (lo_q + hi_q) / 2) or rest == "flexed":
        s = -s
        med = -med
    hi_th, lo_th = med + hysteresis * rng, med - hysteresis * rng
    near = 0.05 * float(np.median(rng))

    def leave_time(r0, r1):  # last frame of the rest phase close to its extreme
        seg = s[r0 : r1 + 1]
        return r0 + int(np.flatnonzero(seg >= seg.max() - near)[-1])

    def arrive_time(r0, r1):  # first frame of the rest phase close to its extreme
        seg = s[r0 : r1 + 1]
        return r0 + int(np.flatnonzero(seg >= seg.max() - near)[0])

    reps: list[tuple[int, int]] = []
    state = "seek_rest"  # wait until the person is at rest once
    r0 = 0  # first frame of the current rest phase
    pending_start = None  # start of a repetition that has come back to rest
    for i in range(n):
        v = s[i]
        if state == "seek_rest":
            if v >= hi_th[i]:
                state, r0 = "rest", i
        elif state == "rest":
            if v < lo_th[i]:
                if pending_start is not None:
                    reps.append((pending_start, arrive_time(r0, i - 1)))
                    pending_start = None
                state, turn_start = "turn", leave_time(r0, i - 1)
        else:  # turn
            if v >= hi_th[i]:
                state, r0, pending_start = "rest", i, turn_start
    if state == "rest" and pending_start is not None:
        reps.append((pending_start, arrive_time(r0, n - 1)))
    return _drop_shallow(s, reps)


#: Long bouts: the hysteresis thresholds follow the signal's level and range over this
#: many periods around each frame, so slow swings and a movement that grows or shrinks do
#: not hide repetitions.
LOCAL_PERIODS = 4
#: ... only for a signal at least this periodic (a spurious period would count jitter).
LOCAL_MIN_PERIODICITY = 0.6


def _rolling_percentiles(s: np.ndarray, win: int, qs) -> np.ndarray:
    """Percentiles `qs` of the `win` frames centred on each frame (edges repeated)."""
    half = win // 2
    padded = np.pad(s, (half, half), mode="edge")
    return np.percentile(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), qs, axis=1)


def _levels(s: np.ndarray, lo_q: float, hi_q: float, period: int | None):
    """Per frame: the middle and the robust (10-90%) range of the signal around it; the
    whole bout's (`lo_q`, `hi_q`) without a period or when the bout is too short."""
    n = len(s)
    win = LOCAL_PERIODS * (period or 0)
    if not win or n < 2 * win:
        return np.full(n, (lo_q + hi_q) / 2), np.full(n, hi_q - lo_q)
    lo, hi = _rolling_percentiles(s, win, [10, 90])
    return (lo + hi) / 2, hi - lo


#: A counted cycle less deep than this fraction of the bout's typical repetition (75th
#: percentile of the depths) is a sway or an adjustment, not a repetition.
MIN_DEPTH = 0.3


def _drop_shallow(s: np.ndarray, reps: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Cycles of rest-side-up signal `s` without the ones much shallower than the others.
    Depth: from the lower of the two rest extremes around a cycle to its turning point."""
    if len(reps) < 2:
        return reps
    depth = np.array([min(s[a], s[b]) - s[a : b + 1].min() for a, b in reps])
    ref = np.percentile(depth, 75)
    return [r for r, d in zip(reps, depth, strict=True) if d >= MIN_DEPTH * ref]


def side_correlation(feats: np.ndarray) -> float:
    """Correlation of the left and right angle of the joint pair that moves most (elbows,
    shoulders, hips or knees): near 1 when both sides move together, negative when they
    alternate (high knees, mountain climbers)."""
    ang = feats[:, ANGLE_SLICE]
    if len(ang) < 3:
        return 0.0
    spread = np.percentile(ang, 90, axis=0) - np.percentile(ang, 10, axis=0)
    k = 2 * int(np.argmax(spread[0::2] + spread[1::2]))
    left, right = ang[:, k], ang[:, k + 1]
    if left.std() < 1e-6 or right.std() < 1e-6:
        return 0.0
    return float(np.corrcoef(left, right)[0, 1])


#: A long bout that is not clearly periodic as a whole (two sets at different tempos) is
#: counted in two parts, cut at its stillest moment, when each part is clearly periodic
#: and together they find more repetitions; parts are at least this long.
SPLIT_MIN_PART_S = 5.0
#: ... only below this periodicity of the whole bout (above it, parts count half cycles).
SPLIT_BELOW = 0.6


def _stillest_frame(feats: np.ndarray, fps: float, prior: RepPrior, lo: int, hi: int) -> int:
    """The frame in [lo, hi) where the moving joints move least (over about a second)."""
    sig, scale, moving = moving_signals(feats, fps, prior)
    if not moving.any():
        return (lo + hi) // 2
    speed = np.abs(np.diff(sig[:, moving], axis=0)) / scale[moving]
    energy = _smooth(np.concatenate([speed.mean(axis=1), [0.0]]), sigma=fps / 2)
    return lo + int(np.argmin(energy[lo:hi]))


def count_reps(
    feats: np.ndarray, fps: float, prior: RepPrior | None = None, video_ends: bool = False
) -> RepCount:
    """Repetitions of one stretch of movement. `video_ends`: the stretch ends where the
    video (or the stream so far) ends, so nothing after its last frame was seen (see
    `_unfinished_at_video_end`)."""
    prior = prior or RepPrior()
    whole = _count_once(feats, fps, prior, video_ends)
    part = int(SPLIT_MIN_PART_S * fps)
    if whole.periodicity >= SPLIT_BELOW or len(feats) <= 2 * part:
        return whole
    cut = _stillest_frame(feats, fps, prior, part, len(feats) - part)
    first = count_reps(feats[:cut], fps, prior)
    second = count_reps(feats[cut:], fps, prior, video_ends)
    periodic = min(first.periodicity, second.periodicity) >= LOCAL_MIN_PERIODICITY
    if not periodic or first.reps + second.reps <= whole.reps:
        return whole
    periods = [p for p in (first.period_s, second.period_s) if p]
    return RepCount(
        first.reps + second.reps,
        first.rep_frames + [(a + cut, b + cut) for a, b in second.rep_frames],
        float(np.mean(periods)) if periods else None,
        min(first.periodicity, second.periodicity),
        max(first.amplitude, second.amplitude),
        np.concatenate([first.signal, second.signal]),
    )


def _unfinished_at_video_end(cycles: list[tuple[int, int]], n: int) -> bool:
    """The last repetition is still on its way back when the video ends: its return reaches
    the highest point of its rest phase on the very last frame (a return that was seen to
    level off ends earlier). A repetition is complete when the body is back at the start
    position before the video ends (the dataset's counting rule, and what a person counts);
    the hysteresis already calls it back at 72% of the way, which a clip cut mid-return
    reaches."""
    return bool(cycles) and cycles[-1][1] >= n - 1


def _count_once(feats: np.ndarray, fps: float, prior: RepPrior, video_ends: bool) -> RepCount:
    s, period, periodicity, channel = dominant_signal(feats, fps, prior)
    local = periodicity >= LOCAL_MIN_PERIODICITY
    cycles = count_cycles(s, period, rest=prior.rest, local=local)
    amp = float(np.percentile(s, 90) - np.percentile(s, 10)) if len(s) else 0.0
    n_signals = candidate_signals(feats[:1], fps).shape[1] if len(feats) else 0
    one_sided = channel is not None and channel < n_signals - N_SYMMETRIC
    per_side = prior.cycles_per_rep < 1.0 and cycles and one_sided
    if per_side and side_correlation(feats) <= SYMMETRIC_ABOVE:  # the sides alternate
        # A one-sided signal repeats once per left-right cycle; a left+right sum already
        # repeats once per side, so only the former is split.
        split = []
        for a, b in cycles:
            m = (a + b) // 2
            split += [(a, m), (m, b)]
        cycles = split
    elif prior.cycles_per_rep > 1.0 and cycles:
        k = int(round(prior.cycles_per_rep))
        cycles = [(cycles[i][0], cycles[i + k - 1][1]) for i in range(0, len(cycles) - k + 1, k)]
    if video_ends and _unfinished_at_video_end(cycles, len(feats)):
        cycles = cycles[:-1]
    return RepCount(len(cycles), cycles, period / fps if period else None, periodicity, amp, s)
