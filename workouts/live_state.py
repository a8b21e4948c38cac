"""The live estimate of a session (exercise now, reps and kcal so far) from recent landmarks.

The same rule as inference.StreamingAnalyzer's live refresh, with its state in a plain dict
stored on the LiveStream row instead of inside one process: any worker can take the next
chunk of a session and carry on where the previous one left off.
"""

from inference import analyze_sequence
from inference.landmarks import LandmarkSequence

HORIZON_S = 30.0  # estimates look at this much recent time (StreamingAnalyzer.LIVE_HORIZON_S)
REFRESH_EVERY_S = 1.0  # and are recomputed once per this much stream time
SETTLED_AFTER_S = 5.0  # a bout that ended this long ago will not change any more
CURRENT_WITHIN_S = 1.0  # a bout still running (or just ended) is the current exercise


def initial_state() -> dict:
    return {
        "committed_until_s": 0.0,
        "committed_reps": 0,
        "committed_kcal": 0.0,
        "refreshed_at_frame": 0,
        "exercise": None,
        "reps": 0,
        "kcal": 0.0,
    }


def refresh_due(state: dict, frames: int, fps: float) -> bool:
    return frames - state.get("refreshed_at_frame", 0) >= round(REFRESH_EVERY_S * fps)


def refreshed(state: dict, window: LandmarkSequence, window_start: int, body: dict) -> dict:
    """A new state from the engine's view of `window` (grid frames from `window_start` to
    the newest one)."""
    state = {**initial_state(), **state}
    frames = window_start + len(window)
    now = frames / window.fps
    offset = window_start / window.fps
    result = analyze_sequence(window, body)
    pending_reps, pending_kcal, current = 0, 0.0, None
    for bout in result.bouts:
        start, end = bout.start_s + offset, bout.end_s + offset
        if start < state["committed_until_s"]:
            continue
        if end < now - SETTLED_AFTER_S:
            state["committed_reps"] += bout.reps
            state["committed_kcal"] += bout.kcal
            state["committed_until_s"] = end
        else:
            pending_reps += bout.reps
            pending_kcal += bout.kcal
            if end >= now - CURRENT_WITHIN_S:
                current = bout.exercise
    state.update(
        refreshed_at_frame=frames,
        exercise=current,
        reps=state["committed_reps"] + pending_reps,
        kcal=round(state["committed_kcal"] + pending_kcal, 2),
    )
    return state
