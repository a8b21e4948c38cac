"""Stand-ins for the engine's custom-exercise functions (inference.train_custom,
recount_bout, CustomModel), for unit tests of the Django side that must not depend on what
the engine learns; integration tests use the engine.
"""

import json
from dataclasses import dataclass, field

import numpy as np

import inference
from inference import LandmarkSequence
from inference.result import Bout


def still_sequence(duration_s: float, fps: float = 15.0) -> LandmarkSequence:
    """A person standing still for `duration_s` on the analysis grid."""
    n = int(round(duration_s * fps))
    image = np.full((n, 33, 3), 0.5, np.float32)
    world = np.zeros((n, 33, 3), np.float32)
    return LandmarkSequence(
        fps, image, np.ones((n, 33), np.float32), world, np.ones(n, bool), (640, 480), n / fps
    )


@dataclass
class FakeCustomExercise:
    slug: str
    name: str
    kind: str
    met: float


@dataclass
class FakeCustomExample:
    slug: str
    landmarks: LandmarkSequence
    start_s: float
    end_s: float


@dataclass
class FakeCustomModel:
    slugs: list
    accuracy: float | None
    examples_used: int
    kinds: dict = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return json.dumps(self.__dict__).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> "FakeCustomModel":
        return cls(**json.loads(data))


class FakeEngine:
    """Records what it was asked; trains a "model" that knows the exercises it was given."""

    def __init__(self):
        self.trained: list[tuple[list, list]] = []
        self.recounted: list[dict] = []
        self.fail_training: Exception | None = None

    def train_custom(self, exercises, examples):
        if self.fail_training is not None:
            raise self.fail_training
        self.trained.append((list(exercises), list(examples)))
        return FakeCustomModel(
            slugs=[e.slug for e in exercises],
            accuracy=0.9 if len(examples) >= 2 * len(exercises) else None,
            examples_used=len(examples),
            kinds={e.slug: e.kind for e in exercises},
        )

    def recount_bout(
        self, seq, start_s, end_s, exercise, body=None, custom=None, exercise_kind=None, met=None
    ):
        """One repetition every 2 s for a counted exercise, the whole stretch for a hold;
        kcal = MET x 1 kcal per minute, so tests can check the arithmetic."""
        self.recounted.append(
            dict(
                seq=seq,
                start_s=start_s,
                end_s=end_s,
                exercise=exercise,
                custom=custom,
                exercise_kind=exercise_kind,
                met=met,
                body=body,
            )
        )
        row = next((r for r in inference.exercise_catalogue() if r["exercise"] == exercise), None)
        kind = exercise_kind or (row["measure"] if row else "reps")
        met = met if met is not None else row["met"]
        duration = end_s - start_s
        if kind == "hold":
            return Bout(exercise, start_s, end_s, 0, [], duration, met, met * duration / 60, 1.0)
        reps = int(duration // 2)
        times = [[start_s + 2 * i, start_s + 2 * i + 1.5] for i in range(reps)]
        return Bout(exercise, start_s, end_s, reps, times, None, met, met * duration / 60, 1.0, 0.8)


def install(monkeypatch) -> FakeEngine:
    """Puts the stand-ins in `inference` (the engine's public face, where the Django side
    imports them from)."""
    fake = FakeEngine()
    stand_ins = {
        "CustomExercise": FakeCustomExercise,
        "CustomExample": FakeCustomExample,
        "CustomModel": FakeCustomModel,
        "train_custom": fake.train_custom,
        "recount_bout": fake.recount_bout,
    }
    for name, stand_in in stand_ins.items():
        monkeypatch.setattr(inference, name, stand_in)
    return fake


def with_landmarks(result, duration_s: float = 60.0):
    """What analyze_video(..., keep_landmarks=True) gives: the result and its landmarks."""
    return result, still_sequence(duration_s)
