"""Custom exercises taught from a few examples: a per-user classifier on the engine's features.

A user names an exercise (counted or held, with a MET value) and shows it: a stretch of one
of their sessions. `train_custom` turns those stretches into a `CustomModel` of a few KB:

* **Embedding.** Each stretch is described the way the whole-bout classifier sees a bout
  (`bout_classifier.descriptor`: percentiles and ranges of angles, verticality and posture,
  speeds, image travel), standardised with the built-in bout classifier's statistics and
  averaged with its mirror image, so a left-handed example teaches the right-handed
  movement too. Next to it go the built-in classifiers' own opinion of the stretch (log
  probabilities of the built-in classes): a new exercise is recognisable also by which
  known ones it resembles.
* **Classifier.** One prototype per exercise (the mean embedding of its examples and their
  mirror images) and a distance scale: a global one learned on the dataset
  (`training.fewshot`), shrunk towards the exercise's own spread when it has several
  examples. A bout's fit to a custom exercise is exp(-d^2 / 2 s^2) (d: root-mean-square
  difference per dimension); it takes the bout from the built-in label only when it is
  above CUSTOM_MIN_FIT and above the built-in label's pooled probability, so a custom
  exercise wins only where it fits better. A bout the engine calls `unknown` is the
  easiest to win.
* **Counting.** The class-agnostic counter with a prior learned from the examples: the
  typical repetition period (the counter looks for periods around it, not at half or
  twice it) and the rest side (where the examples start and end), and the typical cadence
  for the calorie intensity factor.

Everything is numpy; the model is a compressed npz with JSON metadata (no pickle).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import bout_classifier
from .counting import MAX_PERIOD_S, MIN_PERIOD_S, RepPrior, count_reps, dominant_signal
from .errors import InferenceError
from .features import mirror, sequence_features
from .heads import UNKNOWN, EngineWeights, frame_probabilities, load_weights
from .landmarks import LandmarkSequence
from .postprocess import MIN_BOUT_S, Segment, merge_adjacent

KINDS = ("reps", "hold")
#: MET of a custom exercise when the user gives none (Compendium 02022 moderate
#: calisthenics for counted exercises, 02024 light calisthenics for held ones).
DEFAULT_MET = {"reps": 3.8, "hold": 2.8}
FORMAT = 1

#: Global distance scale: the root-mean-square difference per dimension of the embedding
#: at which a bout fits an exercise exp(-1/2); an exercise's own spread (when it has
#: several examples) counts against it as if the global scale were this many examples.
DISTANCE_SCALE = 2.0
SCALE_PRIOR_WEIGHT = 3.0
#: A custom exercise takes a bout only when it fits at least this well, better than this
#: fraction of the built-in label's pooled probability, and when the bout's descriptor is
#: no further from the custom prototype than from the nearest built-in exercise's mean
#: (mean squared difference per dimension) plus NEARER_THAN_BUILTIN.
CUSTOM_MIN_FIT = 0.5
BUILTIN_WEIGHT = 0.5
NEARER_THAN_BUILTIN = 0.2
#: Weight of the built-in classes' log probabilities next to the whitened descriptor.
POSTERIOR_WEIGHT = 0.5
#: Context around an example stretch for its features (velocities, gap filling).
CONTEXT_S = 1.5
MIN_EXAMPLE_S = 1.0


class CustomExampleError(InferenceError, ValueError):
    """An example that cannot teach anything: outside its video, too short, no person."""


def _npz_bytes(meta: dict, **arrays) -> bytes:
    """Arrays and JSON metadata as one compressed npz (no pickle)."""
    buf = io.BytesIO()
    encoded = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)
    np.savez_compressed(buf, meta=encoded, **arrays)
    return buf.getvalue()


def _npz_load(data: bytes) -> tuple[dict, np.lib.npyio.NpzFile]:
    z = np.load(io.BytesIO(data), allow_pickle=False)
    return json.loads(bytes(z["meta"]).decode()), z


@dataclass
class CustomExercise:
    slug: str
    name: str
    kind: str = "reps"  # "reps" (counted) or "hold" (timed, like a plank)
    met: float = 3.5


@dataclass
class CustomExample:
    slug: str
    landmarks: LandmarkSequence
    start_s: float
    end_s: float


@dataclass
class CustomModel:
    exercises: list[CustomExercise]
    prototypes: np.ndarray  # (exercises, dim) mean embedding
    scales: np.ndarray  # (exercises,) distance scale
    priors: dict[str, RepPrior] = field(default_factory=dict)
    cadence: dict[str, float] = field(default_factory=dict)  # reps per minute
    accuracy: float | None = None  # leave-one-out estimate; None with too few examples
    examples_used: int = 0
    weights_version: str = ""  # the engine weights the embedding was made with

    @property
    def slugs(self) -> list[str]:
        return [e.slug for e in self.exercises]

    def exercise(self, slug: str) -> CustomExercise | None:
        return next((e for e in self.exercises if e.slug == slug), None)

    @property
    def static(self) -> set[str]:
        return {e.slug for e in self.exercises if e.kind == "hold"}

    def fits(self, embedding: np.ndarray) -> np.ndarray:
        """How well a bout fits each exercise, in (0, 1]."""
        d2 = ((self.prototypes - embedding) ** 2).mean(axis=1)
        return np.exp(-d2 / (2 * self.scales**2))

    def to_bytes(self) -> bytes:
        meta = {
            "format": FORMAT,
            "exercises": [e.__dict__ for e in self.exercises],
            "priors": {k: v.to_dict() for k, v in self.priors.items()},
            "cadence": self.cadence,
            "accuracy": self.accuracy,
            "examples_used": self.examples_used,
            "weights_version": self.weights_version,
        }
        return _npz_bytes(
            meta,
            prototypes=self.prototypes.astype(np.float16),
            scales=self.scales.astype(np.float32),
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> CustomModel:
        meta, z = _npz_load(data)
        return cls(
            exercises=[CustomExercise(**e) for e in meta["exercises"]],
            prototypes=z["prototypes"].astype(np.float32),
            scales=z["scales"].astype(np.float32),
            priors={k: RepPrior(**v) for k, v in meta["priors"].items()},
            cadence={k: float(v) for k, v in meta["cadence"].items()},
            accuracy=meta["accuracy"],
            examples_used=int(meta["examples_used"]),
            weights_version=meta["weights_version"],
        )


# --- the embedding's metric ---------------------------------------------------------------

METRIC_PATH = Path(__file__).resolve().parent / "weights" / "custom_metric.npz"
#: Shrinkage of the within-exercise covariance towards its diagonal (few bouts per
#: exercise for 240 numbers).
METRIC_SHRINK = 0.1


@dataclass
class EmbeddingMetric:
    """How far apart two bout descriptors are: whitened by the covariance of bouts of one
    exercise around their exercise's mean (pooled over the built-in exercises' training
    bouts), so what varies between people, cameras and sets of one exercise counts little
    and what tells exercises apart counts much. Fitted by `fit_metric` when the weights
    are trained, for those weights."""

    weights_version: str
    whitener: np.ndarray  # (descriptor, descriptor), applied to standardised descriptors
    builtin_means: np.ndarray  # (built-in exercises, descriptor), whitened
    builtin_labels: list[str]  # the exercise of each row of builtin_means

    def to_bytes(self) -> bytes:
        meta = {"weights_version": self.weights_version, "builtin_labels": self.builtin_labels}
        return _npz_bytes(
            meta,
            whitener=self.whitener.astype(np.float16),
            builtin_means=self.builtin_means.astype(np.float16),
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> EmbeddingMetric:
        meta, z = _npz_load(data)
        return cls(
            meta["weights_version"],
            z["whitener"].astype(np.float32),
            z["builtin_means"].astype(np.float32),
            meta["builtin_labels"],
        )

    @property
    def dims(self) -> int:
        return len(self.whitener)

    def nearest_builtin(self, embedding: np.ndarray) -> float:
        """Mean squared difference per dimension between a bout's whitened descriptor (the
        first `dims` numbers of its embedding) and the nearest built-in exercise's mean."""
        z = embedding[: self.dims]
        return float(((self.builtin_means - z) ** 2).mean(axis=1).min())


def fit_metric(
    descriptors: np.ndarray, labels: np.ndarray, weights_version: str, shrink=METRIC_SHRINK
) -> EmbeddingMetric:
    """The metric from standardised, mirror-averaged bout descriptors (`standardised`) of
    the built-in exercises' true bouts and their labels; it keeps each exercise's mean."""
    x = np.asarray(descriptors, np.float64)
    labels = np.asarray(labels)
    classes = sorted(set(labels.tolist()))
    residual = np.concatenate([x[labels == c] - x[labels == c].mean(axis=0) for c in classes])
    cov = residual.T @ residual / max(len(x) - len(classes), 1)
    cov = (1 - shrink) * cov + shrink * np.diag(np.diag(cov)) + 1e-3 * np.eye(len(cov))
    values, vectors = np.linalg.eigh(cov)
    whitener = (vectors @ np.diag(values**-0.5) @ vectors.T).astype(np.float32)
    means = np.stack([x[labels == c].mean(axis=0) for c in classes]).astype(np.float32)
    return EmbeddingMetric(weights_version, whitener, means @ whitener, classes)


_METRICS: dict[str, EmbeddingMetric | None] = {}


def use_metric(metric: EmbeddingMetric) -> None:
    """Make `metric` the one for its weights in this process (the few-shot evaluation's
    held-out models; the shipped weights' is read from METRIC_PATH)."""
    _METRICS[metric.weights_version] = metric


def metric_for(weights: EngineWeights) -> EmbeddingMetric | None:
    """The metric fitted for these weights, or None (plain standardised distances)."""
    version = weights.version
    if version not in _METRICS:
        found = None
        if METRIC_PATH.exists():
            shipped = EmbeddingMetric.from_bytes(METRIC_PATH.read_bytes())
            _METRICS[shipped.weights_version] = shipped
            found = shipped if shipped.weights_version == version else None
        _METRICS.setdefault(version, found)
    return _METRICS[version]


def standardised(feats, mirrored, usable, weights: EngineWeights) -> np.ndarray | None:
    """A bout's descriptor (`bout_classifier.descriptor`) standardised with the bout
    classifier's statistics, averaged with its mirror image's."""
    d = bout_classifier.descriptor(feats, usable)
    m = bout_classifier.descriptor(mirrored, usable)
    if d is None or m is None:
        return None
    if weights.has_bout_classifier:
        mean, std = weights.params["bout.mean"], weights.params["bout.std"]
    else:
        mean, std = np.zeros_like(d), np.ones_like(d)
    return ((d - mean) / std + (m - mean) / std) / 2


# --- embedding --------------------------------------------------------------------------


def _bout_probs_of(weights: EngineWeights, feats, mirrored, usable) -> np.ndarray | None:
    """The whole-bout classifier's probabilities, mirror-averaged (None without one)."""
    if not weights.has_bout_classifier:
        return None
    d = bout_classifier.descriptor(feats, usable)
    m = bout_classifier.descriptor(mirrored, usable)
    if d is None or m is None:
        return None
    p = bout_classifier.probabilities(weights.params, d)
    return (p + bout_classifier.probabilities(weights.params, m)) / 2


def embedding(
    feats: np.ndarray,
    mirrored: np.ndarray,
    usable: np.ndarray,
    probs: np.ndarray,
    weights: EngineWeights,
) -> np.ndarray | None:
    """The embedding of one bout from its frames' features, mirror features, usable flags
    and per-frame window probabilities (None when too few frames show a person): the
    whitened descriptor, then the built-in classifiers' log probabilities."""
    z = standardised(feats, mirrored, usable, weights)
    if z is None:
        return None
    metric = metric_for(weights)
    if metric is not None and metric.whitener.shape[0] == len(z):
        z = z @ metric.whitener
    window = probs[usable].mean(axis=0) if usable.any() else probs.mean(axis=0)
    parts = [z, POSTERIOR_WEIGHT * np.log(window + 1e-3)]
    bout = _bout_probs_of(weights, feats, mirrored, usable)
    if bout is not None:
        parts.append(POSTERIOR_WEIGHT * np.log(bout + 1e-3))
    return np.concatenate(parts).astype(np.float32)


@dataclass
class Stretch:
    """One example stretch, ready to learn from: its frames' features and embedding."""

    feats: np.ndarray
    usable: np.ndarray
    fps: float
    embedding: np.ndarray


def frames_of(seq: LandmarkSequence, start_s: float, end_s: float) -> tuple[int, int]:
    """Frame span [a, b) of a stretch, checked against the sequence."""
    if not (np.isfinite(start_s) and np.isfinite(end_s)) or end_s - start_s <= 0:
        raise CustomExampleError(f"empty stretch {start_s}-{end_s} s")
    if start_s < 0 or start_s >= seq.duration_s + 1e-6 or end_s > seq.duration_s + 0.5:
        raise CustomExampleError(
            f"stretch {start_s}-{end_s} s is outside the sequence (0-{seq.duration_s:.2f} s)"
        )
    a = max(0, int(round(start_s * seq.fps)))
    b = min(len(seq), int(round(end_s * seq.fps)))
    if b <= a:
        raise CustomExampleError(f"stretch {start_s}-{end_s} s holds no analysed frame")
    return a, b


def stretch(seq: LandmarkSequence, start_s: float, end_s: float, weights: EngineWeights) -> Stretch:
    """Features and embedding of one example stretch (computed with a little context around
    it, as analysis computes them over the whole session)."""
    a, b = frames_of(seq, start_s, end_s)
    if (b - a) / seq.fps < MIN_EXAMPLE_S:
        raise CustomExampleError(f"stretch {start_s}-{end_s} s is shorter than {MIN_EXAMPLE_S} s")
    pad = int(round(CONTEXT_S * seq.fps))
    lo, hi = max(0, a - pad), min(len(seq), b + pad)
    part = seq.between(lo, hi)
    feats, usable = sequence_features(part)
    mirrored, _ = sequence_features(mirror(part))
    probs = (
        frame_probabilities(feats, usable, weights) + frame_probabilities(mirrored, usable, weights)
    ) / 2
    i, j = a - lo, b - lo
    f, m, u, p = feats[i:j], mirrored[i:j], usable[i:j], probs[i:j]
    e = embedding(f, m, u, p, weights)
    if e is None:
        raise CustomExampleError(
            f"stretch {start_s}-{end_s} s shows a person in fewer than "
            f"{bout_classifier.MIN_FRAMES} frames"
        )
    return Stretch(f, u, seq.fps, e)


# --- training ---------------------------------------------------------------------------


def learn_prior(stretches: list[Stretch]) -> tuple[RepPrior, float | None]:
    """Counting prior of an exercise from its example stretches: periods looked for around
    the examples' typical period, and the rest side the examples agree on. Also the typical
    cadence (reps per minute) counted with that prior."""
    periods, sides = [], []
    for s in stretches:
        sig, period, periodicity, _ = dominant_signal(s.feats, s.fps)
        if period and periodicity >= 0.3:
            periods.append(period / s.fps)
        if len(sig) >= 6:
            # a quarter period at each end, as the counter looks at them
            edge = max(2, min(len(sig) // 10, (period or 8) // 4))
            edges = np.concatenate([sig[:edge], sig[-edge:]]).mean()
            mid = (np.percentile(sig, 10) + np.percentile(sig, 90)) / 2
            sides.append("extended" if edges > mid else "flexed")
    prior = RepPrior()
    if periods:
        p = float(np.median(periods))
        prior.min_period_s = max(MIN_PERIOD_S, 0.55 * p)
        prior.max_period_s = min(MAX_PERIOD_S, max(2.0 * p, 2.0))
    if sides and len(set(sides)) == 1 and len(sides) >= 2:
        prior.rest = sides[0]
    rates = []
    for s in stretches:
        n = count_reps(s.feats, s.fps, prior).reps
        if n:
            rates.append(n / (len(s.feats) / s.fps) * 60.0)
    return prior, (float(np.median(rates)) if rates else None)


def _scale(embeddings: np.ndarray) -> float:
    """Distance scale of an exercise: the global one, shrunk towards its examples' own
    root-mean-square spread around their mean when it has several."""
    k = len(embeddings)
    if k < 2:
        return DISTANCE_SCALE
    mean = embeddings.mean(axis=0)
    # leave-one-out distances: how far a new example falls from the others' mean
    loo = [float(((e - (mean * k - e) / (k - 1)) ** 2).mean()) for e in embeddings]
    own = float(np.mean(loo))
    w = SCALE_PRIOR_WEIGHT
    return float(np.sqrt((w * DISTANCE_SCALE**2 + k * own) / (w + k)))


def _check(exercises: list[CustomExercise], examples: list[CustomExample]) -> None:
    slugs = [e.slug for e in exercises]
    if len(set(slugs)) != len(slugs):
        raise CustomExampleError("two custom exercises share a slug")
    for e in exercises:
        if e.kind not in KINDS:
            raise CustomExampleError(f"{e.slug}: kind must be one of {KINDS}, not {e.kind!r}")
    unknown = {x.slug for x in examples} - set(slugs)
    if unknown:
        raise CustomExampleError(f"examples of unknown exercises: {sorted(unknown)}")


def train_custom(
    exercises: list[CustomExercise],
    examples: list[CustomExample],
    weights: EngineWeights | None = None,
) -> CustomModel:
    """A custom model from example stretches (one example per exercise is enough to start).
    Exercises without a usable example are left out of the model (`slugs` says which are
    in). Raises CustomExampleError for an example outside its sequence or without a person."""
    weights = weights or load_weights()
    _check(exercises, examples)
    by_slug: dict[str, list[Stretch]] = {e.slug: [] for e in exercises}
    for x in examples:
        by_slug[x.slug].append(stretch(x.landmarks, x.start_s, x.end_s, weights))
    kept = [e for e in exercises if by_slug[e.slug]]
    protos, scales, priors, cadence = [], [], {}, {}
    for e in kept:
        emb = np.stack([s.embedding for s in by_slug[e.slug]])
        protos.append(emb.mean(axis=0))
        scales.append(_scale(emb))
        if e.kind == "reps":
            priors[e.slug], rate = learn_prior(by_slug[e.slug])
            if rate:
                cadence[e.slug] = rate
    dim = len(next(iter(by_slug.values()))[0].embedding) if kept else 0
    model = CustomModel(
        exercises=kept,
        prototypes=np.stack(protos) if protos else np.zeros((0, dim), np.float32),
        scales=np.array(scales, np.float32),
        priors=priors,
        cadence=cadence,
        examples_used=sum(len(by_slug[e.slug]) for e in kept),
        weights_version=weights.version,
    )
    model.accuracy = _loo_accuracy(model, by_slug, metric_for(weights))
    return model


def _loo_accuracy(
    model: CustomModel, by_slug: dict[str, list[Stretch]], metric: EmbeddingMetric | None
) -> float | None:
    """Leave-one-out: each example scored against the model made without it (its exercise
    must still have another example); None when no exercise has two examples."""
    hits, n = 0, 0
    for k, e in enumerate(model.exercises):
        emb = np.stack([s.embedding for s in by_slug[e.slug]])
        if len(emb) < 2:
            continue
        for i in range(len(emb)):
            rest = np.delete(emb, i, axis=0)
            protos = model.prototypes.copy()
            scales = model.scales.copy()
            protos[k], scales[k] = rest.mean(axis=0), _scale(rest)
            trial = replace(model, prototypes=protos, scales=scales)
            slug, fit = best_fit(trial, emb[i], metric)
            hits += int(slug == e.slug and fit >= CUSTOM_MIN_FIT)
            n += 1
    return round(hits / n, 3) if n else None


# --- analysis ---------------------------------------------------------------------------


def best_fit(
    model: CustomModel, emb: np.ndarray | None, metric: EmbeddingMetric | None = None
) -> tuple[str | None, float]:
    """The custom exercise a bout fits best, and how well (None, 0 without any). With the
    metric, an exercise counts only where the bout's descriptor is not clearly nearer to a
    built-in exercise's mean than to the exercise's prototype (NEARER_THAN_BUILTIN): one
    example of an exercise says little of how far its bouts may stray, the built-in
    exercises' training bouts say where other exercises lie."""
    if emb is None or not len(model.exercises):
        return None, 0.0
    fits = model.fits(emb)
    usable = metric is not None and len(model.prototypes[0]) > metric.dims
    builtin = metric.nearest_builtin(emb) if usable else 0.0
    for k in np.argsort(-fits):
        if usable:
            own = float(((emb[: metric.dims] - model.prototypes[k, : metric.dims]) ** 2).mean())
            if own - builtin >= NEARER_THAN_BUILTIN:
                continue
        return model.exercises[k].slug, float(fits[k])
    return None, 0.0


def with_priors(weights: EngineWeights, model: CustomModel) -> EngineWeights:
    """The engine weights with the custom exercises' counting priors and cadences added, so
    counting and calories find them like a built-in exercise's."""
    return replace(
        weights,
        rep_priors={**weights.rep_priors, **model.priors},
        typical_cadence={**weights.typical_cadence, **model.cadence},
    )


def exercise_met(model: CustomModel | None, label: str) -> float | None:
    e = model.exercise(label) if model is not None else None
    return float(e.met) if e is not None else None


#: An idle stretch (no bout of the built-in model) becomes a custom bout only when it is at
#: least this long, shows the person this much of the time, and fits this well.
IDLE_MIN_S = 2 * MIN_BOUT_S
IDLE_MIN_VISIBLE = 0.9
IDLE_MIN_FIT = CUSTOM_MIN_FIT


def relabel(
    segs: list[Segment],
    feats: np.ndarray,
    mirrored: np.ndarray,
    usable: np.ndarray,
    probs: np.ndarray,
    weights: EngineWeights,
    model: CustomModel,
    fps: float,
) -> list[Segment]:
    """The built-in bouts, each taken over by the custom exercise it fits best where that
    fits well and better than the built-in label (`best_fit`; its fit above
    BUILTIN_WEIGHT x the label's pooled probability; an `unknown` bout has no label to
    beat), plus idle stretches that fit a custom exercise (a movement the built-in model
    has never seen may look like rest to it)."""

    metric = metric_for(weights)

    def fit(a: int, b: int) -> tuple[str | None, float]:
        emb = embedding(feats[a:b], mirrored[a:b], usable[a:b], probs[a:b], weights)
        if emb is None or emb.shape[0] != model.prototypes.shape[1]:
            return None, 0.0  # a model made with other weights: retrain it
        return best_fit(model, emb, metric)

    out = []
    for s in segs:
        slug, f = fit(s.start, s.end)
        builtin = 0.0 if s.label == UNKNOWN else s.confidence
        if slug is not None and f >= CUSTOM_MIN_FIT and f > BUILTIN_WEIGHT * builtin:
            s = Segment(slug, s.start, s.end, f)
        out.append(s)
    for a, b in _idle_stretches(segs, usable, fps):
        slug, f = fit(a, b)
        if slug is not None and f >= IDLE_MIN_FIT:
            out.append(Segment(slug, a, b, f))
    return merge_adjacent(sorted(out, key=lambda s: s.start))


def _idle_stretches(segs: list[Segment], usable: np.ndarray, fps: float):
    """Stretches between bouts showing the person, trimmed to where they are seen."""
    prev = 0
    for s in [*segs, Segment("", len(usable), len(usable), 0.0)]:
        a, b = prev, s.start
        prev = s.end
        idx = np.flatnonzero(usable[a:b])
        if len(idx) < IDLE_MIN_S * fps:
            continue
        a, b = a + int(idx[0]), a + int(idx[-1]) + 1
        if usable[a:b].mean() >= IDLE_MIN_VISIBLE:
            yield a, b
