"""Live estimates (exercise now, reps and kcal so far) from analyses of a trailing window.

A live stream is re-analysed over its most recent `HORIZON_S` now and then. What lies more
than `SETTLED_AFTER_S` in the past will not change any more, so it is *committed*: added to
running totals and never counted again. Committing goes rep by rep and second by second,
not bout by bout, so a bout longer than the horizon keeps counting (a bout-level rule would
see only the window's part of it and the count would stall at one window's worth).

The tally is a small JSON-friendly value, so the state of a stream can live in one process
(StreamingAnalyzer) or in a database row that any worker picks up (inference.live_state).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .calories import STATIC_EXERCISES
from .heads import STRIDE
from .result import AnalysisResult

# Estimates look at this much recent time: the longest whose refresh, with the window memo,
# costs what a 30-s refresh of one ensemble member did without it (~30 ms a second of stream).
HORIZON_S = 60.0
REFRESH_EVERY_S = 1.0  # and are recomputed once per this much stream time
SETTLED_AFTER_S = 5.0  # what ended this long ago will not change any more
CURRENT_WITHIN_S = 1.0  # a bout still running (or just ended) is the current exercise


@dataclass
class LiveTally:
    committed_until_s: float = 0.0  # reps and kcal before this stream time are committed
    committed_reps: float = 0.0  # in fractions of reps (see tally)
    committed_kcal: float = 0.0
    exercise: str | None = None  # the latest estimate
    reps: int = 0
    kcal: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> LiveTally:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in (d or {}).items() if k in known})


def window_start(frames: int, fps: float) -> int:
    """The first stream frame of the window analysed when the stream has `frames`: the
    horizon back, then forward onto the window classifier's stride from the stream's start,
    so its windows are the ones earlier refreshes classified (and the saved result will)."""
    start = max(0, frames - int(round(HORIZON_S * fps)))
    return -(-start // STRIDE) * STRIDE


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def tally(previous: LiveTally, window: AnalysisResult, offset_s: float, now_s: float) -> LiveTally:
    """The tally after analysing a window that starts at stream time `offset_s` and ends at
    `now_s`.

    Reps are committed in fractions, by how much of each rep's time lies in the newly
    settled stretch. Where a window starts moves the counter's rep boundaries by up to half
    a rep (peak to peak or trough to trough), so a whole rep can flip from one side of the
    committed line to the other between refreshes; its share of time on each side cannot
    double-count it."""
    line = previous.committed_until_s
    settle = max(line, now_s - SETTLED_AFTER_S)
    committed_reps, committed_kcal = previous.committed_reps, previous.committed_kcal
    pending_reps, pending_kcal, current = 0.0, 0.0, None
    for bout in window.bouts:
        start, end = bout.start_s + offset_s, bout.end_s + offset_s
        if bout.exercise not in STATIC_EXERCISES:
            for rep_start, rep_end in bout.rep_times_s:
                a, b = rep_start + offset_s, rep_end + offset_s
                length = max(b - a, 1e-6)
                committed_reps += _overlap(a, b, line, settle) / length
                pending_reps += _overlap(a, b, settle, now_s) / length
        rate = bout.kcal / bout.duration_s if bout.duration_s > 0 else 0.0
        committed_kcal += rate * _overlap(start, end, line, settle)
        pending_kcal += rate * _overlap(start, end, settle, now_s)
        if end >= now_s - CURRENT_WITHIN_S:
            current = bout.exercise
    if offset_s <= 0:
        # The window is the whole stream so far: its analysis is what the saved result
        # would be now, so it is the estimate (the saved result is the same analysis).
        reps = sum(b.reps for b in window.bouts if b.exercise not in STATIC_EXERCISES)
    else:
        # A counter going backwards looks broken; the saved result is the exact one.
        reps = max(previous.reps, int(committed_reps + pending_reps + 0.5))
    return LiveTally(
        committed_until_s=settle,
        committed_reps=committed_reps,
        committed_kcal=committed_kcal,
        exercise=current,
        reps=reps,
        kcal=round(committed_kcal + pending_kcal, 2),
    )
