"""A bout re-made as another exercise: what a user's correction of a label needs.

The stretch keeps the bounds the user (or the analysis) gave it; only what follows from the
exercise changes: counted or held, the counting prior (a built-in exercise's learned one, a
custom exercise's learned from its examples, or the neutral prior), the MET and so the
calories.
"""

from __future__ import annotations

from . import calories
from .analyzer import body_metrics
from .custom import KINDS, CustomExampleError, CustomModel, exercise_met, frames_of, with_priors
from .features import sequence_features
from .heads import EngineWeights, load_weights
from .landmarks import LandmarkSequence
from .postprocess import Segment, make_bout
from .result import Bout


def recount_bout(
    seq: LandmarkSequence,
    start_s: float,
    end_s: float,
    exercise: str,
    body=None,
    custom: CustomModel | None = None,
    exercise_kind: str | None = None,
    met: float | None = None,
    weights: EngineWeights | None = None,
) -> Bout:
    """The stretch [start_s, end_s) of `seq` as a bout of `exercise`: a built-in slug, a
    custom slug of `custom`, or any slug with `exercise_kind` ("reps" or "hold") and `met`
    given (an exercise without a learned prior is counted with the neutral one).
    Repetitions are counted over the stretch alone, with the exercise's prior; a hold is
    the time the person is seen; kcal follow from the MET. Its confidence is 1.0: a person
    said so. Raises CustomExampleError for a stretch outside the sequence."""
    weights = weights or load_weights()
    if exercise_kind is not None and exercise_kind not in KINDS:
        raise CustomExampleError(f"exercise_kind must be one of {KINDS}, not {exercise_kind!r}")
    a, b = frames_of(seq, start_s, end_s)
    body_used, _ = body_metrics(body)
    static = set(calories.STATIC_EXERCISES)
    own = custom.exercise(exercise) if custom is not None else None
    if custom is not None:
        weights = with_priors(weights, custom)
        static |= custom.static
    kind = exercise_kind or (own.kind if own is not None else None)
    if kind == "hold":
        static.add(exercise)
    elif kind == "reps":
        static.discard(exercise)
    if met is None:
        met = exercise_met(custom, exercise)
    feats, usable = sequence_features(seq)
    return make_bout(
        Segment(exercise, a, b, 1.0), feats, usable, seq.fps, weights, body_used, None, static, met
    )
