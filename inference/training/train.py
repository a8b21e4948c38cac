"""Training: landmark cache -> augmented feature sequences -> window classifier + priors.

`python -m inference train --manifest M` runs `train_weights` on every clip of the manifest
and writes `inference/weights/engine.pt`. Everything is seeded, so the same cache gives the
same weights (up to floating-point non-determinism across machines).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..bout_classifier import descriptor as bout_descriptor
from ..bout_classifier import familiarity_params
from ..counting import RepPrior, count_reps, default_prior
from ..features import CLASSIFIER_COLUMNS, mirror, sequence_features
from ..heads import IDLE, WINDOW, EngineWeights, member_prefix
from ..landmarks import LandmarkSequence, cached_landmarks
from ..pose import default_backbone
from .augment import random_augment
from .dataset import NON_EXERCISE, Clip, exercise_labels, load_manifest
from .model import WindowClassifier, state_to_numpy
from .synth import synthetic_clips

N_AUGMENT = 6  # random augmented copies per clip (plus the original and its mirror)
TRAIN_STRIDE = 3
STEPS = 1200
BATCH = 128
SEED = 1234
#: Window classifiers trained from different seeds, whose probabilities are averaged
#: (each member costs ~15 ms of CPU per 55 windows at analysis).
ENSEMBLE = 3
#: Mixup (Beta(a, a) blends of two exercise windows and their targets): windows that
#: generalise across repositories.
MIXUP_ALPHA = 0.4
SYNTHETIC = True  # add synthetic clips for exercises with too few real examples (synth.py)
BOUT_AUGMENT = 4  # augmented copies per clip for the bout classifier
BOUT_SYNTHETIC = 12  # synthetic clips per label for the bout classifier
MIN_BOUT_S = 2.0


def load_clips(manifest: str, log=print) -> tuple[list[Clip], dict[str, LandmarkSequence]]:
    """Clips of the manifest and their landmarks (extracted into the cache when missing)."""
    clips = load_manifest(manifest)
    backbone = default_backbone()  # lazy: mediapipe only starts on a cache miss
    seqs = {}
    for c in clips:
        seqs[c.id] = cached_landmarks(c.id, str(c.video_path), backbone)
    backbone.close()
    return clips, seqs


def frame_labels(clip: Clip, n: int, fps: float) -> np.ndarray:
    out = np.array([IDLE] * n, dtype=object)
    t = (np.arange(n) + 0.5) / fps
    for b in clip.bouts:
        if b.label not in NON_EXERCISE:
            out[(t >= b.start) & (t < b.end)] = b.label
    return out


def _clip_versions(seq: LandmarkSequence, rng: np.random.Generator, n_aug: int):
    n = len(seq)
    yield seq, np.arange(n)
    yield mirror(seq), np.arange(n)
    for _ in range(n_aug):
        yield random_augment(seq, rng)


def build_training_set(clips, seqs, labels, n_aug=N_AUGMENT, seed=SEED, synthetic=SYNTHETIC):
    """Concatenated feature sequences + window starts, labels and clip ids (windows never
    cross clips). Returns (feats, starts, ys, window_clip, row_clip).

    `synthetic`: add synthetic clips (synth.py) of vocabulary labels made from these clips."""
    rng = np.random.default_rng(seed)
    index = {lab: i for i, lab in enumerate(labels)}
    feats_all, starts, ys, wclip, rclip = [], [], [], [], []
    offset = 0
    for c in clips:
        seq = seqs[c.id]
        if len(seq) < WINDOW:
            continue
        lab = frame_labels(c, len(seq), seq.fps)
        for v, src in _clip_versions(seq, rng, n_aug):
            f, usable = sequence_features(v)
            vl = lab[np.clip(src, 0, len(lab) - 1)]
            for s in range(0, len(f) - WINDOW + 1, TRAIN_STRIDE):
                if usable[s : s + WINDOW].mean() < 0.6:
                    continue
                mid = vl[s + WINDOW // 4 : s + 3 * WINDOW // 4]
                label = Counter(mid).most_common(1)[0][0]
                starts.append(offset + s)
                ys.append(index[label])
                wclip.append(c.id)
            feats_all.append(f[:, CLASSIFIER_COLUMNS])
            rclip.append(np.full(len(f), c.id, dtype=object))
            offset += len(f)
    if synthetic:
        # Synthetic clips carry their source clip's id: a fold that leaves the source out
        # leaves them out too.
        for label, source_id, seq in synthetic_clips(clips, seqs, rng, labels=set(labels)):
            for v in (seq, random_augment(seq, rng)[0]):
                if len(v) < WINDOW:
                    continue
                f, usable = sequence_features(v)
                for s in range(0, len(f) - WINDOW + 1, TRAIN_STRIDE):
                    if usable[s : s + WINDOW].mean() < 0.6:
                        continue
                    starts.append(offset + s)
                    ys.append(index[label])
                    wclip.append(source_id)
                feats_all.append(f[:, CLASSIFIER_COLUMNS])
                rclip.append(np.full(len(f), source_id, dtype=object))
                offset += len(f)
    return (
        np.concatenate(feats_all),
        np.array(starts),
        np.array(ys),
        np.array(wclip, dtype=object),
        np.concatenate(rclip),
    )


def build_bout_set(clips, seqs, labels, seed=SEED, synthetic=SYNTHETIC, n_aug=BOUT_AUGMENT):
    """Bout descriptors (bout_classifier.descriptor) of every true exercise bout of `clips`
    under augmentation, plus random crops and synthetic clips. Returns (x, y, source clip)."""
    rng = np.random.default_rng(seed + 1)
    index = {lab: i for i, lab in enumerate(labels)}
    xs, ys, src = [], [], []

    def add(f, usable, a, b, label, cid):
        d = bout_descriptor(f[a:b], usable[a:b])
        if d is not None:
            xs.append(d)
            ys.append(index[label])
            src.append(cid)

    for c in clips:
        seq = seqs[c.id]
        bouts = [b for b in exercise_bouts(c) if b.end - b.start >= MIN_BOUT_S]
        if not bouts or len(seq) < WINDOW:
            continue
        for v, idx in _clip_versions(seq, rng, n_aug):
            f, usable = sequence_features(v)
            for b in bouts:
                inside = np.flatnonzero(
                    (idx >= int(b.start * seq.fps)) & (idx < int(np.ceil(b.end * seq.fps)))
                )
                if len(inside) < 2:
                    continue
                a, e = int(inside[0]), int(inside[-1]) + 1
                add(f, usable, a, e, b.label, c.id)
                k = int((e - a) * rng.uniform(0.6, 0.9))
                s = a + int(rng.integers(0, e - a - k + 1))
                add(f, usable, s, s + k, b.label, c.id)
    if synthetic:
        for label, source_id, seq in synthetic_clips(
            clips, seqs, rng, labels=set(labels), per_label=BOUT_SYNTHETIC
        ):
            for v in (seq, mirror(seq)):
                f, usable = sequence_features(v)
                add(f, usable, 0, len(f), label, source_id)
    return np.stack(xs), np.array(ys), np.array(src, dtype=object)


def fit_classifier(
    feats, starts, ys, n_classes, steps=STEPS, seed=SEED, log=None, rows=None, idle=None
):
    """Train the window classifier; `rows` (bool mask) limits the normalisation statistics
    to the training clips' frames."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    ref = feats if rows is None else feats[rows]
    mean = ref.mean(axis=0)
    std = ref.std(axis=0) + 1e-3
    x = torch.from_numpy(((feats - mean) / std).astype(np.float32))
    counts = np.bincount(ys, minlength=n_classes).astype(float)
    # Balanced-ish sampling: rare exercises (one clip) are seen far more often than their
    # share, but not so often that their few windows are memorised.
    w = 1.0 / np.sqrt(np.maximum(counts[ys], 1)) / np.sqrt(np.maximum(counts[ys], 1)) ** 0.5
    w /= w.sum()
    model = WindowClassifier(feats.shape[1], n_classes)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1, reduction="none")
    ar = torch.arange(WINDOW)
    model.train()
    for step in range(steps):
        idx = rng.choice(len(starts), size=BATCH, p=w)
        gather = torch.from_numpy(starts[idx])[:, None] + ar[None, :]
        xb = x[gather]
        xb = xb + 0.05 * torch.randn_like(xb)
        yb = torch.from_numpy(ys[idx]).long()
        # Mixup: train on blends of two windows with the blended target, so the network
        # cannot stake everything on the few cues that tell one source's clips apart.
        # Idle windows are not blended: a half-still window is what the pause between two
        # repetitions looks like, and the idle decision should stay sharp.
        perm = torch.from_numpy(rng.permutation(BATCH))
        lam = torch.full((BATCH,), float(rng.beta(MIXUP_ALPHA, MIXUP_ALPHA)))
        if idle is not None:
            lam[(yb == idle) | (yb[perm] == idle)] = 1.0
        out = model(lam[:, None, None] * xb + (1 - lam[:, None, None]) * xb[perm])
        loss = (lam * loss_fn(out, yb) + (1 - lam) * loss_fn(out, yb[perm])).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if log and (step + 1) % 500 == 0:
            log(f"  step {step + 1}/{steps} loss {loss.item():.3f}")
    model.eval()
    return model, mean, std


def exercise_bouts(clip: Clip):
    return [b for b in clip.bouts if b.label not in NON_EXERCISE]


PRIOR_OPTIONS = [
    RepPrior(cycles_per_rep=c, rest=r)
    for r in ("edges", "extended", "flexed")
    for c in (1.0, 0.5, 2.0)
]


#: A learned prior must beat the neutral one's summed relative error (over the label's
#: training bouts) by both: 40% and at least one whole bout's worth (few clips per label
#: make small wins noise).
PRIOR_GAIN_RATIO = 0.6
PRIOR_GAIN_ABS = 1.0


def fit_rep_priors(clips, seqs, labels) -> tuple[dict[str, RepPrior], dict[str, float]]:
    """Per exercise: counting prior (cycles per rep, rest side) and typical cadence, chosen
    on the true exercise bouts of the training clips."""
    errors = defaultdict(lambda: np.zeros(len(PRIOR_OPTIONS)))
    cadence = defaultdict(list)
    for c in clips:
        seq = seqs[c.id]
        feats, _ = sequence_features(seq)
        for b in exercise_bouts(c):
            if b.reps is None or b.reps <= 0:
                continue
            a, e = int(b.start * seq.fps), min(len(seq), int(np.ceil(b.end * seq.fps)))
            if e - a < 6:
                continue
            for k, opt in enumerate(PRIOR_OPTIONS):
                pred = count_reps(feats[a:e], seq.fps, opt).reps
                errors[b.label][k] += abs(pred - b.reps) / b.reps
            cadence[b.label].append(b.reps / max(b.end - b.start, 1e-3) * 60)
    priors = {}
    for label, err in errors.items():
        k = int(np.argmin(err))
        neutral = PRIOR_OPTIONS.index(default_prior(label))
        # Keep the neutral prior unless another is clearly better: few clips per label.
        if err[k] < err[neutral] * PRIOR_GAIN_RATIO - PRIOR_GAIN_ABS:
            priors[label] = PRIOR_OPTIONS[k]
    typical = {lab: float(np.median(v)) for lab, v in cadence.items()}
    return priors, typical


def fit_bout_classifier(
    x: np.ndarray, y: np.ndarray, n_classes: int, steps=400, weight_decay=3e-2, seed=0
):
    """Multinomial logistic regression (torch, full batch, class-balanced). Returns params."""
    torch.manual_seed(seed)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-3
    xt = torch.from_numpy(((x - mean) / std).astype(np.float32))
    yt = torch.from_numpy(y).long()
    counts = np.bincount(y, minlength=n_classes).astype(np.float32)
    cw = np.where(counts > 0, 1.0 / np.sqrt(np.maximum(counts, 1)), 0.0)
    lin = torch.nn.Linear(x.shape[1], n_classes)
    opt = torch.optim.LBFGS(lin.parameters(), lr=0.5, max_iter=steps, line_search_fn="strong_wolfe")
    loss_fn = torch.nn.CrossEntropyLoss(weight=torch.from_numpy(cw / cw[cw > 0].mean()))

    def closure():
        opt.zero_grad()
        loss = loss_fn(lin(xt), yt) + weight_decay * (lin.weight**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return {
        "bout.mean": mean.astype(np.float32),
        "bout.std": std.astype(np.float32),
        "bout.weight": lin.weight.detach().numpy().astype(np.float32),
        "bout.bias": lin.bias.detach().numpy().astype(np.float32),
        **familiarity_params((x - mean) / std, y, n_classes),
    }


def fit_bout_params(clips, labels, bout_set, seed=SEED) -> dict:
    """The bout classifier on the samples of `bout_set` whose source clip is in `clips`."""
    x, y, src = bout_set
    ids = {c.id for c in clips}
    keep = np.array([s in ids for s in src])
    return fit_bout_classifier(x[keep], y[keep], len(labels), seed=seed)


def train_weights(
    clips,
    seqs,
    labels=None,
    steps=STEPS,
    seed=SEED,
    log=print,
    prebuilt=None,
    bout_set=None,
    members=ENSEMBLE,
) -> EngineWeights:
    """Train on `clips`. `prebuilt` / `bout_set`: build_training_set() / build_bout_set()
    results over a superset of clips (cross-validation builds the augmented sets once and
    selects each fold's clips). `members`: window classifiers in the ensemble."""
    labels = labels or (exercise_labels(clips) + [IDLE])
    t0 = time.perf_counter()
    if prebuilt is None:
        prebuilt = build_training_set(clips, seqs, labels, seed=seed)
    feats, starts, ys, wclip, rclip = prebuilt
    ids = {c.id for c in clips}
    keep = np.array([c in ids for c in wclip])
    rows = np.array([c in ids for c in rclip])
    starts, ys = starts[keep], ys[keep]
    if log:
        log(
            f"  {len(starts)} training windows from {len(clips)} clips "
            f"({time.perf_counter() - t0:.0f}s)"
        )
    params = {}
    for i in range(members):
        model, mean, std = fit_classifier(
            feats,
            starts,
            ys,
            len(labels),
            steps=steps,
            seed=seed + i,
            log=log,
            rows=rows,
            idle=labels.index(IDLE),
        )
        params.update(state_to_numpy(model, prefix=member_prefix(i)))
    priors, typical = fit_rep_priors(clips, seqs, labels)
    if bout_set is None:
        bout_set = build_bout_set(clips, seqs, labels, seed=seed)
    params.update(fit_bout_params(clips, labels, bout_set, seed=seed))
    return EngineWeights(
        labels=labels,
        feat_mean=mean,
        feat_std=std,
        params=params,
        rep_priors=priors,
        typical_cadence=typical,
        version="in-memory",
    )


def train_command(manifest: str, out=None, steps=STEPS, log=print) -> EngineWeights:
    torch.set_num_threads(1)  # 2 threads on a shared 2-core box spin and run slower
    clips, seqs = load_clips(manifest, log)
    clips = [c for c in clips if c.split == "dev"]
    w = train_weights(clips, seqs, steps=steps, log=log)
    from ..heads import WEIGHTS_PATH

    w.save(out or WEIGHTS_PATH)
    log(f"wrote {out or WEIGHTS_PATH}")
    from ..custom import METRIC_PATH
    from .metric import metric_for_clips

    saved = EngineWeights.load(out or WEIGHTS_PATH)  # its version names the file's bytes
    metric_path = METRIC_PATH if out is None else Path(out).with_name(METRIC_PATH.name)
    metric_path.write_bytes(metric_for_clips(clips, seqs, saved).to_bytes())
    log(f"wrote {metric_path} (custom exercises' embedding metric)")
    return w
