import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

import inference
from inference.result import AnalysisResult, BodyMetricsUsed, Bout, ModelInfo, Totals
from tests.datasets import dataset_dir
from tests.engine_fakes import with_landmarks
from tests.factories import UserFactory
from tests.videos import write_synthetic_video
from tests.workouts.factories import WorkoutSessionFactory
from workouts.models import SessionStatus


@pytest.fixture
def synthetic_video(tmp_path) -> Path:
    return write_synthetic_video(tmp_path / "workout.mp4")


@pytest.fixture(scope="session")
def dataset_manifest():
    manifest = dataset_dir() / "manifest.json"
    if not manifest.exists():
        pytest.skip(
            f"exercise-clips dataset not found at {manifest.parent} (set COACH_DATASET_DIR)"
        )
    return json.loads(manifest.read_text()), manifest.parent


@pytest.fixture(scope="session")
def short_squat_clip(dataset_manifest):
    """The shortest single-exercise squat clip with a confidently known count."""
    clips, root = dataset_manifest
    candidates = [
        c
        for c in clips
        if c["label"] == "squat"
        and not c["multi_exercise"]
        and c["count_confidence"] == "high"
        and c["reps"] >= 3
    ]
    clip = min(candidates, key=lambda c: c["duration_s"])
    return clip, root / clip["video"]


def engine_result(body: dict, bouts: list[Bout] | None = None) -> AnalysisResult:
    """A result as the engine gives it; totals are added up from `bouts`."""
    if bouts is None:
        bouts = [
            Bout("squat", 1.0, 21.0, 2, [[1.0, 3.0], [4.0, 6.5]], None, 5.0, 8.0, 0.93, 0.42),
            Bout("plank", 25.0, 55.0, 0, [], 30.0, 3.8, 4.0, 0.88),  # a hold: no count confidence
        ]
    reps: dict[str, int] = {}
    for bout in bouts:
        if bout.reps:
            reps[bout.exercise] = reps.get(bout.exercise, 0) + bout.reps
    return AnalysisResult(
        duration_s=60.0,
        frames_analysed=900,
        analysis_fps=15.0,
        person_visible_fraction=0.95,
        bouts=bouts,
        totals=Totals(sum(b.kcal for b in bouts), sum(b.duration_s for b in bouts), reps),
        model=ModelInfo("fake-engine", "v1"),
        body_metrics=BodyMetricsUsed(body.get("weight_kg", 70.0), 170.0, 35.0, "female", []),
    )


@pytest.fixture
def fake_engine(monkeypatch):
    calls = []

    def analyze_video(path, body=None, progress=None, custom=None, keep_landmarks=False):
        calls.append({"path": path, "body": body, "custom": custom})
        progress(0.5)
        result = engine_result(body)
        return with_landmarks(result) if keep_landmarks else result

    monkeypatch.setattr(inference, "analyze_video", analyze_video)
    return calls


@pytest.fixture
def pending_session():
    user = UserFactory(birth_date=datetime(1990, 6, 1).date(), height_cm=165, sex="female")
    return WorkoutSessionFactory(
        user=user,
        status=SessionStatus.PENDING,
        progress=0,
        started_at=datetime(2024, 6, 10, 7, tzinfo=UTC),
    )
