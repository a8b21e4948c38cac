"""End to end through a real Celery worker process: upload a real clip over the API, let
the worker analyse it with the real engine, read the stored results back. Also: a worker
killed mid-analysis leads to a retried, complete analysis with no duplicate results."""

import os
import signal
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import UserFactory, WeightEntryFactory
from tests.workers import running_worker, worker_children
from workouts.models import Bout, WorkoutSession

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ANALYSIS_QUEUES = "celery,analysis"


def upload(api, path: Path) -> int:
    video = SimpleUploadedFile(path.name, path.read_bytes())
    response = api.post(
        "/api/v1/sessions/", {"video": video, "title": path.stem}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def wait_for_status(api, session_id, statuses, *, timeout=240, until=None):
    deadline = time.monotonic() + timeout
    seen_progress = []
    while time.monotonic() < deadline:
        body = api.get(f"/api/v1/sessions/{session_id}/").json()
        seen_progress.append(body["progress"])
        if body["status"] in statuses and (until is None or until(body)):
            return body, seen_progress
        time.sleep(0.25)
    raise AssertionError(f"session {session_id} still {body['status']} after {timeout}s")


@pytest.fixture
def athlete(client_for):
    user = UserFactory(height_cm=178, sex="male")
    WeightEntryFactory(user=user, weight_kg=82.0)
    return user, client_for(user)


def test_uploaded_clip_is_analysed_by_a_worker(athlete, short_squat_clip):
    from inference import analyze_video

    user, api = athlete
    clip, path = short_squat_clip
    with running_worker(queues=ANALYSIS_QUEUES):
        session_id = upload(api, path)
        body, _ = wait_for_status(api, session_id, {"done", "failed"})
    assert body["status"] == "done", (body["error_code"], body["error_message"])

    # The stored results are the engine's results for this file and these body metrics.
    expected = analyze_video(str(path), body=body["body_metrics"]).to_dict()
    stored = [(b["exercise"], b["reps"]) for b in body["bouts"]]
    assert stored == [(b["exercise"], b["reps"]) for b in expected["bouts"]]
    assert body["total_kcal"] == pytest.approx(expected["totals"]["kcal"], rel=1e-3)
    assert body["body_metrics"]["weight_kg"] == 82.0
    # And they describe the clip: a squat workout with about the labelled number of reps.
    squat_reps = body["reps_by_exercise"].get("squat", 0)
    assert abs(squat_reps - clip["reps"]) <= 1, (body["bouts"], clip["reps"])
    for bout in body["bouts"]:
        assert len(bout["rep_times_s"]) == bout["reps"]


def test_killed_worker_leads_to_one_complete_analysis(athlete, dataset_manifest):
    clips, root = dataset_manifest
    # A longer clip, so the analysis is still running when the worker is killed.
    clip = max(
        (c for c in clips if c["label"] == "squat" and not c["multi_exercise"]),
        key=lambda c: c["duration_s"],
    )
    user, api = athlete
    with running_worker(queues=ANALYSIS_QUEUES) as worker:
        session_id = upload(api, root / clip["video"])
        wait_for_status(api, session_id, {"processing"}, until=lambda b: b["progress"] > 0)
        for pid in worker_children(worker):
            os.kill(pid, signal.SIGKILL)
        body, _ = wait_for_status(api, session_id, {"done", "failed"})
    assert body["status"] == "done", (body["error_code"], body["error_message"])
    session = WorkoutSession.objects.get(pk=session_id)
    assert session.analysis_attempts == 2
    assert Bout.objects.filter(session=session).count() == len(session.result["bouts"]) > 0
