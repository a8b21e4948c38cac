"""Where the real exercise-clip dataset lies (../shared beside the repository, or
COACH_DATASET_DIR). Tests that need it skip with this reason when it is absent."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def dataset_dir() -> Path:
    env = os.environ.get("COACH_DATASET_DIR")
    return Path(env) if env else (REPO / ".." / "shared" / "datasets" / "exercise-clips").resolve()
