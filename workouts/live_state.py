"""The live estimate of a session (exercise now, reps and kcal so far) from recent landmarks.

The rule is inference.live's (the one StreamingAnalyzer uses). Its tally is kept as a plain
dict on the LiveStream row instead of inside one process, so any worker can take the next
chunk of a session and carry on where the previous one left off.
"""

from inference import analyze_sequence, live
from inference.heads import load_weights
from inference.landmarks import LandmarkSequence

HORIZON_S = live.HORIZON_S


def initial_state() -> dict:
    return {**live.LiveTally().to_dict(), "refreshed_at_frame": 0}


def refresh_due(state: dict, frames: int, fps: float) -> bool:
    return frames - state.get("refreshed_at_frame", 0) >= round(live.REFRESH_EVERY_S * fps)


def refreshed(state: dict, window: LandmarkSequence, window_start: int, body: dict) -> dict:
    """A new state from the engine's view of `window` (grid frames from `window_start` to
    the newest one)."""
    frames = window_start + len(window)
    result = analyze_sequence(window, body, load_weights().for_live)
    tally = live.tally(
        live.LiveTally.from_dict(state), result, window_start / window.fps, frames / window.fps
    )
    return {**tally.to_dict(), "refreshed_at_frame": frames}
