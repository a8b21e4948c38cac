import numpy as np
import pytest
import torch

from tests.datasets import dataset_dir


@pytest.fixture(scope="session")
def dataset():
    d = dataset_dir()
    if not (d / "manifest.json").exists():
        pytest.skip(f"exercise-clips dataset not found at {d} (set COACH_DATASET_DIR)")
    return d


@pytest.fixture(scope="session")
def tiny_weights():
    """Randomly initialised (seeded) heads: exercises the analysis path without training."""
    from inference.features import CLASSIFIER_COLUMNS
    from inference.heads import EngineWeights
    from inference.training.model import WindowClassifier, state_to_numpy

    torch.manual_seed(0)
    dim = len(CLASSIFIER_COLUMNS)
    labels = ["squat", "jumping_jack", "idle"]
    m = WindowClassifier(dim, len(labels))
    return EngineWeights(
        labels=labels,
        feat_mean=np.zeros(dim, np.float32),
        feat_std=np.ones(dim, np.float32),
        params=state_to_numpy(m),
    )
