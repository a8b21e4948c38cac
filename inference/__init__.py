"""coach analysis engine: exercise recognition, repetition counting and calories from video.

Framework-free (no Django). Heavy objects (LiteRT interpreters, mediapipe graphs) are
created lazily in the process that uses them, never at import time. The runtime (this
package, pose backbones in `inference.pose`) needs no torch; `inference.training` (the clip
manifest, training and evaluation) does, and nothing in the runtime imports it except the
CLI's `train`/`evaluate` subcommands (`inference.training.cli`).

    from inference import analyze_video, StreamingAnalyzer
    result = analyze_video("workout.mp4", body={"weight_kg": 80})
    print(result.to_json())

Everything a caller needs is exported here; the modules behind it are the engine's own.
"""

from . import live_state
from .analyzer import LiveState, StreamingAnalyzer, analyze_sequence, analyze_video
from .calories import STATIC_EXERCISES, BodyMetrics
from .catalogue import exercise_catalogue
from .custom import (
    DEFAULT_MET as CUSTOM_DEFAULT_MET,
)
from .custom import (
    CustomExample,
    CustomExampleError,
    CustomExercise,
    CustomModel,
    train_custom,
)
from .decode import ANALYSIS_FPS, MAX_SIDE, FrameStream, probe
from .errors import InferenceError, ModelNotTrainedError, VideoDecodeError
from .landmarks import LandmarkSequence
from .pose import N_LANDMARKS, PoseBackbone, PoseFrame, default_backbone
from .recount import recount_bout
from .result import AnalysisResult, Bout

__all__ = [
    "ANALYSIS_FPS",
    "CUSTOM_DEFAULT_MET",
    "MAX_SIDE",
    "N_LANDMARKS",
    "STATIC_EXERCISES",
    "AnalysisResult",
    "Bout",
    "BodyMetrics",
    "CustomExample",
    "CustomExampleError",
    "CustomExercise",
    "CustomModel",
    "FrameStream",
    "InferenceError",
    "LandmarkSequence",
    "LiveState",
    "ModelNotTrainedError",
    "PoseBackbone",
    "PoseFrame",
    "StreamingAnalyzer",
    "VideoDecodeError",
    "analyze_sequence",
    "analyze_video",
    "default_backbone",
    "exercise_catalogue",
    "live_state",
    "probe",
    "recount_bout",
    "train_custom",
]
