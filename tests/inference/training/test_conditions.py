"""Footage conditions read from manifest records."""

from pathlib import Path

from inference.training.conditions import CONDITIONS, conditions
from inference.training.dataset import Bout, Clip


def _clip(notes="", origin="", duration=10.0, bouts=(), multi=False):
    raw = {"notes": notes, "source": {"footage_origin": origin}, "multi_exercise": multi}
    return Clip(
        "c",
        Path("c.mp4"),
        "squat",
        3,
        "full_cycle",
        None,
        list(bouts),
        "r/r",
        "dev",
        duration,
        raw=raw,
    )


def test_each_condition_from_its_words_or_fields():
    assert conditions(_clip(origin="amateur phone video (no watermark)")) == {"phone_or_webcam"}
    assert conditions(_clip(notes="a spotter stands behind the bench")) == {"two_people"}
    walk = [Bout(0, 2, "walking"), Bout(2, 9, "squat", 3)]
    assert conditions(_clip(bouts=walk)) == {"setup_or_walking"}
    assert conditions(_clip(duration=2.0)) == {"short_clip"}
    assert conditions(_clip(multi=True)) == {"multi_exercise"}
    assert conditions(_clip(notes="studio clip, white background", origin="stock footage")) == set()
    assert {"phone_or_webcam", "two_people", "short_clip"} <= set(CONDITIONS)
