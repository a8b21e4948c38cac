"""Pose backbones: video frame -> 33 body landmarks.

`base` holds the interface the engine depends on (`PoseFrame`, `PoseBackbone`), `registry`
the backbones by name and the default one; `mediapipe` is mediapipe's own BlazePose graph,
`litert` the same model files run directly on the LiteRT interpreter (the default, about
twice as fast). Importing this package loads neither mediapipe nor an interpreter.
"""

from .base import N_LANDMARKS, PoseBackbone, PoseFrame, quiet_native_logging
from .registry import BACKBONES, DEFAULT_BACKBONE, default_backbone, default_backbone_name

__all__ = [
    "BACKBONES",
    "DEFAULT_BACKBONE",
    "N_LANDMARKS",
    "PoseBackbone",
    "PoseFrame",
    "default_backbone",
    "default_backbone_name",
    "quiet_native_logging",
]
