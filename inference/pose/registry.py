"""Pose backbones by name, and the default one."""

from __future__ import annotations

import os
from collections.abc import Callable

from .base import PoseBackbone
from .mediapipe import BlazePoseBackbone


def _litert_backbone() -> PoseBackbone:
    from .litert import LiteRtBlazePoseBackbone  # lazy: keeps `import inference` light

    return LiteRtBlazePoseBackbone()


#: Backbones by `name`. Both run BlazePose full from the same mediapipe wheel files; the
#: LiteRT one re-implements mediapipe's graph around the interpreter (pose/litert/).
BACKBONES: dict[str, Callable[[], PoseBackbone]] = {
    BlazePoseBackbone.name: BlazePoseBackbone,
    "blazepose_full_litert": _litert_backbone,
}

#: Used when neither the caller nor COACH_POSE_BACKBONE names one: the LiteRT backbone
#: gives mediapipe's landmarks in about half the time.
DEFAULT_BACKBONE = "blazepose_full_litert"


def default_backbone_name(name: str | None = None) -> str:
    """`name`, else $COACH_POSE_BACKBONE, else DEFAULT_BACKBONE (checked against BACKBONES)."""
    name = name or os.environ.get("COACH_POSE_BACKBONE") or DEFAULT_BACKBONE
    if name not in BACKBONES:
        raise ValueError(
            f"unknown pose backbone {name!r}; choose one of {', '.join(sorted(BACKBONES))}"
        )
    return name


def default_backbone(name: str | None = None) -> PoseBackbone:
    """A new (lazy) backbone: `name`, else $COACH_POSE_BACKBONE, else DEFAULT_BACKBONE."""
    return BACKBONES[default_backbone_name(name)]()
