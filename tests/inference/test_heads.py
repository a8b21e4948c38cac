import numpy as np
import torch

from inference.heads import EngineWeights, window_logits
from inference.training.model import WindowClassifier, state_to_numpy


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


def _weights(params, dim, labels):
    return EngineWeights(
        labels=labels,
        feat_mean=np.zeros(dim, np.float32),
        feat_std=np.ones(dim, np.float32),
        params=params,
    )


def test_an_ensemble_averages_its_members_probabilities(tiny_weights):
    """Members are stored under member prefixes; the frame probabilities of the ensemble
    are the mean of each member's."""
    from inference.features import FEATURE_DIM
    from inference.heads import frame_probabilities, member_prefix

    dim, labels = len(tiny_weights.columns), tiny_weights.labels
    torch.manual_seed(5)
    a, b = WindowClassifier(dim, len(labels)), WindowClassifier(dim, len(labels))
    ens = {**state_to_numpy(a, member_prefix(0)), **state_to_numpy(b, member_prefix(1))}
    feats = np.random.default_rng(3).normal(size=(70, FEATURE_DIM)).astype(np.float32)
    usable = np.ones(70, bool)
    pa = frame_probabilities(feats, usable, _weights(state_to_numpy(a), dim, labels))
    pb = frame_probabilities(feats, usable, _weights(state_to_numpy(b), dim, labels))
    both = _weights(ens, dim, labels)
    assert len(both.classifiers) == 2
    np.testing.assert_allclose(frame_probabilities(feats, usable, both), (pa + pb) / 2, atol=1e-6)
    assert not np.allclose(pa, pb)  # the members differ, so the mean is not one of them
    # a single unprefixed network (weight files before ensembles) is a one-member ensemble
    assert len(tiny_weights.classifiers) == 1


def test_live_estimates_use_the_first_member_only(tiny_weights):
    from inference.heads import member_prefix

    dim, labels = len(tiny_weights.columns), tiny_weights.labels
    params = {"bout.weight": np.ones((3, 4), np.float32)}
    for i in range(3):
        torch.manual_seed(i)
        params.update(state_to_numpy(WindowClassifier(dim, len(labels)), member_prefix(i)))
    w = _weights(params, dim, labels)
    live = w.for_live
    assert len(live.classifiers) == 1 and live.has_bout_classifier
    np.testing.assert_array_equal(
        live.classifiers[0]["conv0.weight"], w.classifiers[0]["conv0.weight"]
    )
    assert w.for_live is live  # derived once per weights object
    assert tiny_weights.for_live is tiny_weights
