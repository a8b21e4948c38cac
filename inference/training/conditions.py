"""Footage conditions of a clip, read from its manifest record, for figures per condition.

The manifest describes each clip in words (`notes`, `source.footage_origin`); these tags
are plain word matches on them, so a figure per condition is as good as those words.
"""

from __future__ import annotations

import re

from .dataset import Clip

_PHONE = re.compile(r"phone|webcam|amateur|self-recorded|home video|home exercise", re.I)
_TWO_PEOPLE = re.compile(
    r"two people|second person|another person|spotter|trainer (?:stand|crouch|beside)|"
    r"people moving in sync|in pairs",
    re.I,
)
_SETUP = {"setup", "walking"}
SHORT_CLIP_S = 4.0

#: The conditions, in report order, with what they mean.
CONDITIONS = {
    "phone_or_webcam": "real phone/webcam/amateur footage (footage origin or notes say so)",
    "setup_or_walking": "clips with setup or walking between or around the repetitions",
    "two_people": "a second person in the frame (notes say so)",
    "short_clip": f"clips shorter than {SHORT_CLIP_S:g} s",
    "multi_exercise": "two or more different exercises in the clip",
}


def conditions(clip: Clip) -> set[str]:
    """The CONDITIONS that hold for `clip`."""
    raw = clip.raw
    words = f"{raw.get('source', {}).get('footage_origin', '')} {raw.get('notes', '')}"
    tags = set()
    if _PHONE.search(words):
        tags.add("phone_or_webcam")
    if any(b.label in _SETUP for b in clip.bouts):
        tags.add("setup_or_walking")
    if _TWO_PEOPLE.search(raw.get("notes", "")):
        tags.add("two_people")
    if clip.duration_s < SHORT_CLIP_S:
        tags.add("short_clip")
    if raw.get("multi_exercise"):
        tags.add("multi_exercise")
    return tags
