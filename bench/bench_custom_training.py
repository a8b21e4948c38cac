"""What custom exercises cost on the Django side, on real dataset clips.

Seeds a throwaway test database (PostgreSQL when DATABASE_URL is set, else SQLite) with one
user whose sessions are real clips' landmarks (from the landmark cache, as a worker stores
them at analysis time), then measures:

- the stored landmarks per minute of video (LandmarkSequence.to_bytes, what every session
  now keeps beside its video);
- the training run a worker does (exercises.training.run_training) for 20 examples from
  those sessions: cutting each example's landmarks out of its session's, storing them,
  training the engine, storing the model; and a second run where the examples are ready;
- a correction (PATCH a bout's exercise) through the whole API stack: load the session's
  landmarks, recount, rewrite the bout, the stored result and the totals.

    COACH_LANDMARK_CACHE=/work/cache/landmarks DATABASE_URL=... \
        python bench/bench_custom_training.py

Wall-clock figures: say the machine's load (`uptime`) with them.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coach.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from tests.datasets import dataset_dir  # noqa: E402

LABELS = ["squat", "push_up", "lunge", "bicep_curl"]  # four exercises, five examples each
EXAMPLES_PER_LABEL = 5
CORRECTIONS = 20


def clips_with_bouts():
    from inference.landmarks import cached_landmarks
    from inference.pose import default_backbone

    root = dataset_dir()
    manifest = json.loads((root / "manifest.json").read_text())
    backbone = default_backbone()
    for label in LABELS:
        taken = 0
        for clip in manifest:
            if clip["label"] != label or clip["multi_exercise"] or taken == EXAMPLES_PER_LABEL:
                continue
            bout = next((b for b in clip["bouts"] if b["label"] == label), None)
            if bout is None or bout["end"] - bout["start"] < 2:
                continue
            seq = cached_landmarks(clip["id"], str(root / clip["video"]), backbone)
            taken += 1
            yield label, bout, seq


def main():
    from exercises import services
    from exercises.models import ExerciseModel
    from exercises.training import run_training
    from inference import analyze_sequence
    from users.models import User
    from workouts import services as workout_services
    from workouts.models import Bout, SessionStatus, WorkoutSession

    setup_test_environment()
    # The runs are timed here, in this process: nothing is sent to a broker.
    services._send_training = lambda user_id, version: None
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        user = User.objects.create_user(email="bench@example.com", password="x" * 20)
        sizes, sessions = [], []
        for label, bout, seq in clips_with_bouts():
            stored = seq.to_bytes()
            sizes.append(len(stored) / (seq.duration_s / 60))
            session = WorkoutSession.objects.create(
                user=user, status=SessionStatus.PROCESSING, duration_s=seq.duration_s
            )
            result = analyze_sequence(seq, {"weight_kg": 75.0}).to_dict()
            workout_services.session_record_analysis(
                session=session, result=result, body_metrics={"weight_kg": 75.0}, landmarks=stored
            )
            sessions.append((label, WorkoutSession.objects.get(pk=session.pk), bout))
        exercises = {
            label: services.custom_exercise_create(user=user, name=f"My {label}", kind="reps")
            for label in LABELS
        }
        for label, session, bout in sessions:
            services.example_create_from_session(
                exercise=exercises[label], session=session, start_s=bout["start"],
                end_s=min(bout["end"], session.duration_s),
            )  # fmt: skip
        version = ExerciseModel.objects.get(user=user).requested_version
        t0 = time.perf_counter()
        outcome = run_training(user_id=user.pk, version=version)
        first_run = time.perf_counter() - t0
        row = ExerciseModel.objects.get(user=user)
        version = services.training_schedule(user=user)
        t0 = time.perf_counter()
        run_training(user_id=user.pk, version=version)
        second_run = time.perf_counter() - t0

        api = APIClient()
        api.force_authenticate(user)
        bouts = list(Bout.objects.filter(user=user).order_by("id")[:CORRECTIONS])
        latencies = []
        for i, bout in enumerate(bouts):
            target = "lunge" if bout.exercise != "lunge" else "squat"
            body = {"exercise": target, "keep_as_example": i % 2 == 0}
            t0 = time.perf_counter()
            response = api.patch(
                f"/api/v1/sessions/{bout.session_id}/bouts/{bout.pk}/", body, format="json"
            )
            latencies.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.json()

        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"sessions: {len(sessions)} real clips, {len(exercises)} custom exercises")
        print(f"stored landmarks: median {statistics.median(sizes) / 1024:.0f} KB per minute "
              f"(min {min(sizes) / 1024:.0f}, max {max(sizes) / 1024:.0f})")  # fmt: skip
        print(f"training run, {row.examples_used} examples ({outcome}): {first_run:.2f} s "
              f"with preparing the examples, {second_run:.2f} s again")  # fmt: skip
        print(f"model: {len(bytes(row.model)) / 1024:.1f} KB, accuracy {row.accuracy}")
        print(f"correction through the API: median {statistics.median(latencies):.0f} ms, "
              f"max {max(latencies):.0f} ms over {len(latencies)}")  # fmt: skip
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
