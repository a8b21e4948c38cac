"""coach analysis engine: exercise recognition, repetition counting and calories from video.

Framework-free (no Django). Heavy objects (mediapipe graphs, torch threads) are created
lazily in the process that uses them, never at import time.

    from inference import analyze_video, StreamingAnalyzer
    result = analyze_video("workout.mp4", body={"weight_kg": 80})
    print(result.to_json())
"""

from .analyzer import LiveState, StreamingAnalyzer, analyze_sequence, analyze_video
from .calories import BodyMetrics
from .errors import InferenceError, ModelNotTrainedError, VideoDecodeError
from .result import AnalysisResult, Bout

__all__ = [
    "AnalysisResult",
    "Bout",
    "BodyMetrics",
    "InferenceError",
    "LiveState",
    "ModelNotTrainedError",
    "StreamingAnalyzer",
    "VideoDecodeError",
    "analyze_sequence",
    "analyze_video",
]
