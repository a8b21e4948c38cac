"""The labelled clip manifest (../shared/datasets/exercise-clips/manifest.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

#: Bout labels that mark non-exercise time.
NON_EXERCISE = {"idle", "transition", "setup", "title_card", "talking", "walking", "black"}


@dataclass
class Bout:
    start: float
    end: float
    label: str
    reps: int | None = None
    hold_s: float | None = None


@dataclass
class Clip:
    id: str
    video_path: Path
    label: str
    reps: int
    rep_unit: str
    hold_seconds: float | None
    bouts: list[Bout]
    source_repo: str
    split: str
    duration_s: float
    reps_alt: int | None = None
    raw: dict = field(default_factory=dict, repr=False)


def load_manifest(path: str | Path) -> list[Clip]:
    path = Path(path)
    records = json.loads(path.read_text())
    clips = []
    for r in records:
        bouts = [
            Bout(b["start"], b["end"], b["label"], b.get("reps"), b.get("hold_s"))
            for b in r["bouts"]
        ]
        clips.append(
            Clip(
                id=r["id"],
                video_path=path.parent / r["video"],
                label=r["label"],
                reps=int(r.get("reps") or 0),
                rep_unit=r.get("rep_unit", "full_cycle"),
                hold_seconds=r.get("hold_seconds"),
                bouts=bouts,
                source_repo=r["source"]["repo"],
                split=r.get("split", "dev"),
                duration_s=float(r["duration_s"]),
                reps_alt=r.get("reps_alt"),
                raw=r,
            )
        )
    return clips


def exercise_labels(clips: list[Clip]) -> list[str]:
    """Every exercise label in the manifest (clip labels and bout labels), sorted."""
    labels = {c.label for c in clips}
    labels |= {b.label for c in clips for b in c.bouts if b.label not in NON_EXERCISE}
    return sorted(labels)
