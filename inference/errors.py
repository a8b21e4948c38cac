"""Exceptions raised by the analysis engine.

Callers (the Django worker, the CLI) catch these to turn a bad upload into a clear
message instead of a stack trace.
"""


class InferenceError(Exception):
    """Base class for every error the engine raises on purpose."""


class VideoDecodeError(InferenceError):
    """The file is missing, empty, not a video, or contains no decodable frames."""


class ModelNotTrainedError(InferenceError):
    """The shipped weights are missing; run `python -m inference train`."""
