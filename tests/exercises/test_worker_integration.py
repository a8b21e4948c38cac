"""End to end through a real Celery worker and the real engine: a user uploads a workout
of an exercise coach does not know, teaches it from stretches of that session and from a
corrected bout, a worker trains their model, and both a re-analysis and a new upload name
the exercise.

coach's shipped weights know every exercise of the dataset, so the worker runs weights with
jumping jacks removed (`inference.training.fewshot.drop_label`, the engine's few-shot
protocol): to that engine, jumping jacks are an exercise it was never taught."""

import os
import time
from pathlib import Path

import pytest

from exercises.models import ExampleStatus, ExerciseExample
from tests.factories import UserFactory, WeightEntryFactory
from tests.workers import running_worker
from tests.workouts.test_worker_integration import upload, wait_for_status

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TEACH = "ahmedlila__3-count-jumping-jacks"  # one source teaches...
TEST = "techbusa__videos-jumping-jacks"  # ...another is recognised
UNTAUGHT = "jumping_jack"

SITECUSTOMIZE = """
# The worker's engine loads weights without one exercise (tests/exercises).
import inference.heads as heads
from pathlib import Path

heads.WEIGHTS_PATH = Path({path!r})
heads.load_weights.__defaults__ = (heads.WEIGHTS_PATH,)
"""


@pytest.fixture
def worker_without_jumping_jacks(tmp_path):
    from inference.heads import WEIGHTS_PATH, load_weights
    from inference.training.fewshot import drop_label

    if not WEIGHTS_PATH.exists():
        pytest.skip("no shipped weights (run `python -m inference train`)")
    weights = tmp_path / "engine-without-jumping-jacks.npz"
    drop_label(load_weights(), UNTAUGHT).save(weights)
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE.format(path=str(weights)))
    python_path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    with running_worker(queues="celery,analysis", extra_env={"PYTHONPATH": python_path}):
        yield


def clip(dataset_manifest, clip_id) -> tuple[dict, Path]:
    clips, root = dataset_manifest
    found = next(c for c in clips if c["id"] == clip_id)
    return found, root / found["video"]


def wait_for_training(api, slug, *, timeout=240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = api.get(f"/api/v1/exercises/{slug}/").json()
        if body["training"]["status"] in ("ready", "failed"):
            return body
        time.sleep(0.25)
    raise AssertionError(f"{slug} still training after {timeout}s: {body}")


def exercises_of(body) -> set[str]:
    return {b["exercise"] for b in body["bouts"]}


def test_a_worker_learns_an_exercise_and_analyses_name_it(
    client_for, dataset_manifest, worker_without_jumping_jacks, settings
):
    settings.EXERCISES_TRAINING_DELAY_S = 0.5
    user = UserFactory()
    WeightEntryFactory(user=user, weight_kg=70.0)
    api = client_for(user)
    teach, teach_path = clip(dataset_manifest, TEACH)
    session_id = upload(api, teach_path)
    before, _ = wait_for_status(api, session_id, {"done", "failed"})
    assert before["status"] == "done", before["error_message"]
    assert "jacks" not in exercises_of(before)

    created = api.post("/api/v1/exercises/", {"name": "Jacks", "measure": "reps", "met": 8.0})
    assert created.status_code == 201, created.json()
    (labelled,) = [b for b in teach["bouts"] if b["label"] == UNTAUGHT]
    middle = (labelled["start"] + labelled["end"]) / 2
    for start, end in ((labelled["start"], middle), (middle, labelled["end"])):
        stretch = {"session": session_id, "start_s": start, "end_s": end}
        response = api.post("/api/v1/exercises/jacks/examples/", stretch, format="json")
        assert response.status_code == 201, response.json()
    # A correction teaches too: the longest bout of the session relabelled, and recounted
    # by the engine from the landmarks the worker stored.
    longest = max(before["bouts"], key=lambda b: b["end_s"] - b["start_s"])
    corrected = api.patch(
        f"/api/v1/sessions/{session_id}/bouts/{longest['id']}/",
        {"exercise": "jacks"},
        format="json",
    )
    assert corrected.status_code == 200, corrected.json()
    assert corrected.json()["exercise"] == "jacks" and corrected.json()["reps"] > 0
    assert ExerciseExample.objects.filter(source="correction").count() == 1

    trained = wait_for_training(api, "jacks")
    assert trained["training"]["status"] == "ready", trained["training"]
    assert trained["training"]["exercises"] == ["jacks"]
    assert trained["training"]["examples_used"] == 3
    assert set(ExerciseExample.objects.values_list("status", flat=True)) == {ExampleStatus.READY}

    # A re-analysis of the teaching session, and a new session from another source.
    assert api.post(f"/api/v1/sessions/{session_id}/reanalyse/").status_code == 202
    again, _ = wait_for_status(api, session_id, {"done", "failed"})
    assert "jacks" in exercises_of(again), again["bouts"]
    _, test_path = clip(dataset_manifest, TEST)
    new_id = upload(api, test_path)
    new, _ = wait_for_status(api, new_id, {"done", "failed"})
    assert new["status"] == "done"
    assert "jacks" in exercises_of(new), new["bouts"]
    assert new["reps_by_exercise"].get("jacks", 0) > 0
    # Calories from the exercise's own MET (8.0), adjusted for intensity as any bout's.
    jacks = [b for b in new["bouts"] if b["exercise"] == "jacks"]
    assert all(6.0 <= b["met"] <= 10.0 and b["kcal"] > 0 for b in jacks), jacks
