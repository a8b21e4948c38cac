"""The analysis result: JSON-serialisable dataclasses with to_dict()/from_dict()."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class Bout:
    exercise: str
    start_s: float
    end_s: float
    reps: int
    rep_times_s: list[list[float]]
    hold_s: float | None
    met: float
    kcal: float
    confidence: float  # how likely the exercise is right (calibrated where the weights allow)
    # How likely the repetition count is exactly right (None for holds, or uncalibrated
    # weights); a result stored before it existed reads as None.
    count_confidence: float | None = None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass
class Totals:
    kcal: float
    active_s: float
    reps_by_exercise: dict[str, int]


@dataclass
class ModelInfo:
    name: str
    version: str


@dataclass
class BodyMetricsUsed:
    weight_kg: float
    height_cm: float
    age: float
    sex: str
    defaulted: list[str] = field(default_factory=list)


@dataclass
class AnalysisResult:
    duration_s: float
    frames_analysed: int
    analysis_fps: float
    person_visible_fraction: float
    bouts: list[Bout]
    totals: Totals
    model: ModelInfo
    body_metrics: BodyMetricsUsed

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(), **kw)

    @classmethod
    def from_dict(cls, d: dict) -> AnalysisResult:
        return cls(
            duration_s=d["duration_s"],
            frames_analysed=d["frames_analysed"],
            analysis_fps=d["analysis_fps"],
            person_visible_fraction=d["person_visible_fraction"],
            bouts=[Bout(**b) for b in d["bouts"]],
            totals=Totals(**d["totals"]),
            model=ModelInfo(**d["model"]),
            body_metrics=BodyMetricsUsed(**d["body_metrics"]),
        )

    @classmethod
    def from_json(cls, s: str) -> AnalysisResult:
        return cls.from_dict(json.loads(s))
