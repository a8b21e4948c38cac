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


def _ensemble(tiny_weights, members=3):
    from inference.heads import member_prefix

    dim, labels = len(tiny_weights.columns), tiny_weights.labels
    params = {}
    for i in range(members):
        torch.manual_seed(i)
        params.update(state_to_numpy(WindowClassifier(dim, len(labels)), member_prefix(i)))
    return _weights(params, dim, labels)


def test_a_window_memo_gives_what_classifying_anew_gives(tiny_weights):
    """A live refresh reuses the windows an earlier refresh classified: the probabilities
    equal those of classifying every window again, and the memo keeps only settled windows."""
    from inference.features import FEATURE_DIM
    from inference.heads import WINDOW, MemoView, WindowMemo, frame_probabilities

    w = _ensemble(tiny_weights)
    feats = np.random.default_rng(4).normal(size=(120, FEATURE_DIM)).astype(np.float32)
    usable = np.ones(120, bool)
    memo = WindowMemo()
    first = frame_probabilities(feats[:80], usable[:80], w, memo=MemoView(memo, 0, 70))
    np.testing.assert_allclose(first, frame_probabilities(feats[:80], usable[:80], w), atol=1e-6)
    assert memo.probs and all(s + WINDOW <= 70 for _, s in memo.probs)
    # the stream goes on; the next refresh starts at stream frame 20
    memo.forget_before(20)
    assert min(s for _, s in memo.probs) == 20
    later = frame_probabilities(feats[20:], usable[20:], w, memo=MemoView(memo, 20, 89))
    np.testing.assert_allclose(later, frame_probabilities(feats[20:], usable[20:], w), atol=1e-6)


def test_a_memo_is_not_used_for_other_weights(tiny_weights):
    from inference.features import FEATURE_DIM
    from inference.heads import MemoView, WindowMemo, frame_probabilities

    feats = np.random.default_rng(5).normal(size=(60, FEATURE_DIM)).astype(np.float32)
    usable = np.ones(60, bool)
    memo = WindowMemo()
    frame_probabilities(feats, usable, tiny_weights, memo=MemoView(memo, 0, 60))
    other = _ensemble(tiny_weights, members=2)
    other.version = "other"
    got = frame_probabilities(feats, usable, other, memo=MemoView(memo, 0, 60))
    np.testing.assert_allclose(got, frame_probabilities(feats, usable, other), atol=1e-6)
    assert memo.version == "other"
