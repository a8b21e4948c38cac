import numpy as np
import torch

from inference.heads import EngineWeights, window_logits
from inference.model import WindowClassifier, state_to_numpy


def test_numpy_forward_equals_torch():
    torch.manual_seed(1)
    m = WindowClassifier(20, 7).eval()
    x = np.random.default_rng(0).normal(size=(9, 30, 20)).astype(np.float32)
    with torch.inference_mode():
        ref = m(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(window_logits(x, state_to_numpy(m)), ref, atol=2e-5, rtol=1e-4)


def test_weights_round_trip_without_pickle(tiny_weights, tmp_path):
    p = tmp_path / "w.npz"
    tiny_weights.save(p)
    back = EngineWeights.load(p)
    assert back.labels == tiny_weights.labels and len(back.version) == 12
    for k, v in tiny_weights.params.items():
        np.testing.assert_allclose(back.params[k], v, atol=2e-3)  # stored as float16
    assert np.load(p, allow_pickle=False).files  # plain arrays only


def test_weights_without_a_column_list_use_the_legacy_columns(tiny_weights):
    """Files written before the posture features existed keep their meaning."""
    import io
    import json

    from inference.features import CLASSIFIER_COLUMNS, LEGACY_CLASSIFIER_COLUMNS

    z = dict(np.load(io.BytesIO(tiny_weights.to_bytes()), allow_pickle=False))
    meta = json.loads(bytes(z["meta"]).decode())
    assert meta.pop("columns") == list(CLASSIFIER_COLUMNS)
    z["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **z)
    old = EngineWeights.from_bytes(buf.getvalue())
    np.testing.assert_array_equal(old.columns, LEGACY_CLASSIFIER_COLUMNS)
    assert set(LEGACY_CLASSIFIER_COLUMNS) < set(CLASSIFIER_COLUMNS)
