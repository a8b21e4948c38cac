"""The two BlazePose model files, read from the installed mediapipe wheel (never copied or
downloaded), and LiteRT interpreters for them."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

DETECTOR = "modules/pose_detection/pose_detection.tflite"
LANDMARK_FULL = "modules/pose_landmark/pose_landmark_full.tflite"


def mediapipe_dir() -> Path:
    # find_spec locates the wheel without importing mediapipe (slow, and it starts threads).
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("mediapipe is not installed: it ships the BlazePose model files")
    return Path(list(spec.submodule_search_locations)[0])


def model_path(relative: str) -> Path:
    p = mediapipe_dir() / relative
    if not p.exists():
        raise RuntimeError(f"BlazePose model file missing from the mediapipe wheel: {p}")
    return p


def default_threads() -> int:
    """Interpreter threads: COACH_POSE_THREADS, else 2 (this engine's target machine has 2
    cores; more threads than cores only adds contention)."""
    return max(1, int(os.environ.get("COACH_POSE_THREADS", "2")))


def make_interpreter(relative: str, num_threads: int | None = None):
    """A LiteRT interpreter with tensors allocated. Call inside the using process: a thread
    pool created before a fork is not there in the child."""
    from ai_edge_litert.interpreter import Interpreter  # lazy: not needed until first frame

    it = Interpreter(
        model_path=str(model_path(relative)), num_threads=num_threads or default_threads()
    )
    it.allocate_tensors()
    return it
