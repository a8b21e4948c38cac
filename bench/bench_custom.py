"""Custom exercises: training time for a user with 20 examples, model size, and the cost of
storing a session's landmarks.

Twenty example bouts (five each of four exercises, taken from the dataset's clips and
treated as four custom exercises) are trained with `train_custom` on the shipped weights;
CPU and wall seconds are the median of 5 runs. Needs the dataset and its landmark cache
(`COACH_LANDMARK_CACHE`).

    COACH_LANDMARK_CACHE=/work/cache/landmarks .venv/bin/python bench/bench_custom.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inference import CustomExample, CustomExercise, train_custom  # noqa: E402
from inference.heads import load_weights  # noqa: E402
from inference.training.cli import DEFAULT_MANIFEST  # noqa: E402
from inference.training.train import exercise_bouts, load_clips  # noqa: E402

LABELS = ["squat", "push_up", "bicep_curl", "jumping_jack"]
PER_LABEL = 5
RUNS = 5


def main() -> None:
    clips, seqs = load_clips(str(DEFAULT_MANIFEST), None)
    examples = []
    for label in LABELS:
        bouts = [(c, b) for c in clips if c.label == label for b in exercise_bouts(c)]
        for c, b in bouts[:PER_LABEL]:
            examples.append(CustomExample(f"my_{label}", seqs[c.id], b.start, b.end))
    exercises = [CustomExercise(f"my_{lab}", lab, "reps", 4.0) for lab in LABELS]
    load_weights()
    cpu, wall = [], []
    for _ in range(RUNS):
        t0, c0 = time.perf_counter(), time.process_time()
        model = train_custom(exercises, examples)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    seconds = sum(x.end_s - x.start_s for x in examples)
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(
        f"train_custom, {len(examples)} examples ({seconds:.0f} s of exercise), "
        f"{len(exercises)} exercises: {statistics.median(wall):.2f} s wall, "
        f"{statistics.median(cpu):.2f} CPU-s (median of {RUNS})"
    )
    print(f"model: {len(model.to_bytes())} bytes; leave-one-out accuracy {model.accuracy}")
    frames = sum(len(s) for s in seqs.values())
    blob = sum(len(s.to_bytes()) for s in seqs.values())
    raw = sum(s.image.nbytes + s.world.nbytes + s.visibility.nbytes for s in seqs.values())
    print(
        f"landmarks: {blob / frames:.0f} bytes a frame stored ({raw / frames:.0f} in memory), "
        f"over {len(seqs)} clips"
    )


if __name__ == "__main__":
    main()
