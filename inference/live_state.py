"""A live stream's estimate state as a plain dict, so any worker can carry the stream on.

StreamingAnalyzer keeps its tally inside one process; a distributed live path stores this
dict between chunks (e.g. on a database row) and calls these functions, with the same rule.
"""

from . import live
from .analyzer import analyze_sequence
from .custom import CustomModel
from .heads import WindowMemo, load_weights
from .landmarks import LandmarkSequence

HORIZON_S = live.HORIZON_S
__all__ = ["HORIZON_S", "WindowMemo", "initial", "refresh_due", "refreshed"]


def initial() -> dict:
    return {**live.LiveTally().to_dict(), "refreshed_at_frame": 0}


def refresh_due(state: dict, frames: int, fps: float, final: bool = False) -> bool:
    """Once per REFRESH_EVERY_S of stream; `final` (the stream stops): whenever a frame came
    since the last refresh, so the last estimate has seen every frame."""
    since = frames - state.get("refreshed_at_frame", 0)
    return since > 0 if final else since >= round(live.REFRESH_EVERY_S * fps)


def refreshed(
    state: dict,
    window: LandmarkSequence,
    window_start: int,
    body: dict,
    memo: WindowMemo | None = None,
    custom: CustomModel | None = None,
) -> dict:
    """A new state from the engine's view of `window` (grid frames from `window_start` to
    the newest one). `memo`: the stream's WindowMemo, kept by the caller between refreshes
    where it can (it is only a cache). `custom`: the user's own exercises, as the saved
    analysis will use them."""
    frames = window_start + len(window)
    start = max(window_start, live.window_start(frames, window.fps))
    result = analyze_sequence(
        window.between(start - window_start, len(window)),
        body,
        load_weights(),
        custom=custom,
        windows=memo if memo is not None else WindowMemo(),
        first_frame=start,
    )
    if memo is not None:
        memo.forget_before(start)
    tally = live.tally(
        live.LiveTally.from_dict(state), result, start / window.fps, frames / window.fps
    )
    return {**tally.to_dict(), "refreshed_at_frame": frames}
