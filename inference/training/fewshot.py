"""Few-shot evaluation of custom exercises: `python -m inference custom evaluate`.

The protocol (issue "Teach coach an exercise"): for a label with clips from at least three
sources, train the built-in model WITHOUT that label, teach the label as a custom exercise
from k = 1, 3, 5 example bouts of one source, and test on the label's clips from the other
sources (positives) plus other labels' clips (negatives). Reported per label and k:

* custom recall: positives whose main exercise (most time in bouts) is the custom slug;
* custom precision: of all test clips whose main exercise is the custom slug, the share
  that are positives;
* built-in accuracy on the negatives with and without the custom model (its change);
* repetition MAE (relative) on the positives: end to end with the custom model, and the
  counter alone in the true bouts with the custom prior against the built-in prior that
  the shipped weights learned for the label;
* the time `train_custom` takes and the model's size.

Cheapened to fit a shared 2-core machine (said wherever the figures are quoted): the
held-out models have one window classifier (the shipped ensemble has three), fewer
augmented copies (MEMBERS, N_AUGMENT, BOUT_AUGMENT below), and the evaluation covers a
subset of labels (LABELS) spanning kinds. To keep the negatives honest, each held-out
model is also trained without one fold of source repositories (`evaluate.repo_folds`), and
the negatives are that fold's clips: footage the built-in model never saw, as a user's.

Example bouts are the manifest's bouts of the label in clips of the teaching source; when
the source has fewer than k, the longest example is cut in two (each half at least
MIN_PART_S) until there are k: a user showing several short stretches of one session.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..analyzer import classify, finish
from ..counting import count_reps
from ..custom import CustomExample, CustomExercise, metric_for, train_custom, use_metric
from ..features import sequence_features
from ..heads import IDLE, EngineWeights, classifier_members, load_weights, member_prefix
from .dataset import Clip, exercise_labels
from .evaluate import clip_metrics, repo_folds
from .metric import metric_for_clips

#: Labels with clips from at least three sources, spanning kinds: legs, a floor push, arms
#: while standing, a jump, a hold, the floor core.
LABELS = ("squat", "push_up", "bicep_curl", "jumping_jack", "plank", "crunch")
KS = (1, 3, 5)
TEACH_SOURCES = 2  # teaching sources per label (those with the most bouts of it)
MEMBERS = 1
N_AUGMENT = 2
BOUT_AUGMENT = 1
MIN_PART_S = 3.0
SLUG = "custom_exercise"
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "fewshot"


def drop_label(weights: EngineWeights, label: str) -> EngineWeights:
    """The weights without one exercise class: its rows of every window classifier's and
    the bout classifier's output layer removed (the softmax spreads over the others), and
    the custom exercises' metric for them without that exercise's mean (`use_metric`). Not
    a model trained without the label (its features were still learned from it), but a
    quick stand-in for tests."""
    k = weights.labels.index(label)
    keep = [i for i in range(len(weights.labels)) if i != k]
    params = dict(weights.params)
    n = len(classifier_members(weights.params))
    prefixes = [""] if "conv0.weight" in weights.params else [member_prefix(i) for i in range(n)]
    for pre in prefixes:
        params[f"{pre}head.weight"] = weights.params[f"{pre}head.weight"][keep]
        params[f"{pre}head.bias"] = weights.params[f"{pre}head.bias"][keep]
    if weights.has_bout_classifier:  # its outputs are indexed like `labels` (idle too)
        params["bout.weight"] = weights.params["bout.weight"][keep]
        params["bout.bias"] = weights.params["bout.bias"][keep]
    dropped = replace(
        weights,
        labels=[lab for lab in weights.labels if lab != label],
        params=params,
        rep_priors={k2: v for k2, v in weights.rep_priors.items() if k2 != label},
        typical_cadence={k2: v for k2, v in weights.typical_cadence.items() if k2 != label},
        version=f"{weights.version}-without-{label}",
    )
    metric = metric_for(weights)
    if metric is not None:
        rows = [i for i, lab in enumerate(metric.builtin_labels) if lab != label]
        use_metric(
            replace(
                metric,
                weights_version=dropped.version,
                builtin_means=metric.builtin_means[rows],
                builtin_labels=[metric.builtin_labels[i] for i in rows],
            )
        )
    return dropped


def has_label(clip: Clip, label: str) -> bool:
    return clip.label == label or any(b.label == label for b in clip.bouts)


def held_out_weights(
    clips: list[Clip], seqs, label: str, fold: int, fold_ids: set[str], steps: int, log=print
) -> tuple[EngineWeights, float]:
    """The built-in model trained without `label` (no clip holding a bout of it) and
    without the clips of fold number `fold` (`fold_ids`); cached under .cache/fewshot.
    Returns (weights, CPU s)."""
    from .train import build_bout_set, build_training_set, train_weights

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"without-{label}-fold{fold}-steps{steps}-m{MEMBERS}-a{N_AUGMENT}.npz"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return EngineWeights.load(path), json.loads(meta.read_text())["cpu_s"]
    train = [c for c in clips if not has_label(c, label) and c.id not in fold_ids]
    labels = exercise_labels(train) + [IDLE]
    assert label not in labels
    t0 = time.process_time()
    w = train_weights(
        train,
        seqs,
        labels,
        steps=steps,
        log=log,
        prebuilt=build_training_set(train, seqs, labels, n_aug=N_AUGMENT),
        bout_set=build_bout_set(train, seqs, labels, n_aug=BOUT_AUGMENT),
        members=MEMBERS,
    )
    cpu = time.process_time() - t0
    w.save(path)
    meta.write_text(json.dumps({"cpu_s": cpu, "train_clips": len(train)}))
    log(f"  trained without {label}: {len(train)} clips, {cpu:.0f} CPU-s")
    return EngineWeights.load(path), cpu


def teaching_sources(clips: list[Clip], label: str, n: int = TEACH_SOURCES) -> list[str]:
    bouts = defaultdict(float)
    for c in clips:
        for b in c.bouts:
            if b.label == label:
                bouts[c.source_repo] += 1 + 1e-3 * (b.end - b.start)
    return sorted(bouts, key=lambda r: -bouts[r])[:n]


def example_stretches(clips: list[Clip], label: str, source: str, k: int):
    """k (clip id, start, end) stretches of `label` from `source`: its bouts, the longest
    cut in two while there are fewer than k."""
    parts = [
        (c.id, b.start, b.end)
        for c in sorted(clips, key=lambda c: c.id)
        if c.source_repo == source
        for b in c.bouts
        if b.label == label
    ]
    parts = parts[:k]
    while len(parts) < k:
        i = max(range(len(parts)), key=lambda j: parts[j][2] - parts[j][1])
        cid, a, b = parts[i]
        if b - a < 2 * MIN_PART_S:
            break
        m = (a + b) / 2
        parts[i : i + 1] = [(cid, a, m), (cid, m, b)]
    return parts


def true_bout_count_error(clip: Clip, seq, prior) -> tuple[float, int] | None:
    """(sum of |counted - true| over the clip's true bouts of its label, true reps), the
    counter alone with `prior`."""
    feats, _ = sequence_features(seq)
    err, true = 0.0, 0
    for b in clip.bouts:
        if b.label != clip.label or not b.reps:
            continue
        a, e = int(b.start * seq.fps), min(len(seq), int(np.ceil(b.end * seq.fps)))
        if e - a < 6:
            continue
        err += abs(count_reps(feats[a:e], seq.fps, prior).reps - b.reps)
        true += b.reps
    return (err, true) if true else None


def evaluate_label(
    clips, seqs, label: str, fold: int, fold_ids: set[str], steps: int, log=print
) -> dict:
    weights, train_cpu = held_out_weights(clips, seqs, label, fold, fold_ids, steps, log)
    train = [c for c in clips if not has_label(c, label) and c.id not in fold_ids]
    use_metric(metric_for_clips(train, seqs, weights))
    shipped = load_weights()
    kind = "hold" if label == "plank" else "reps"
    exercise = CustomExercise(SLUG, label, kind, 3.5)
    sources = teaching_sources(clips, label)
    negatives = [c for c in clips if c.id in fold_ids and c.label != label]
    positives_all = [c for c in clips if c.label == label]
    classified = {}
    t0 = time.process_time()
    for c in {c.id: c for c in negatives + positives_all}.values():
        classified[c.id] = classify(seqs[c.id], weights)
    log(f"  {label}: classified {len(classified)} clips ({time.process_time() - t0:.0f} CPU-s)")
    base = {cid: finish(cl) for cid, cl in classified.items()}
    runs = []
    for source in sources:
        positives = [c for c in positives_all if c.source_repo != source]
        for k in KS:
            parts = example_stretches(clips, label, source, k)
            examples = [CustomExample(SLUG, seqs[cid], a, b) for cid, a, b in parts]
            t1 = time.perf_counter()
            model = train_custom([exercise], examples, weights)
            train_s = time.perf_counter() - t1
            rows = []
            for c in positives + negatives:
                res = finish(classified[c.id], custom=model)
                row = clip_metrics(c, res)
                row["positive"] = c.label == label
                row["base_pred"] = clip_metrics(c, base[c.id])["pred_label"]
                row["base_reps"] = clip_metrics(c, base[c.id])["pred_reps"]
                rows.append(row)
            counter = {"custom": [0.0, 0], "builtin": [0.0, 0]}
            if kind == "reps":
                for c in positives:
                    for name, prior in (
                        ("custom", model.priors.get(SLUG)),
                        ("builtin", shipped.prior(label)),
                    ):
                        r = true_bout_count_error(c, seqs[c.id], prior)
                        if r is not None:
                            counter[name][0] += r[0]
                            counter[name][1] += r[1]
            runs.append(
                {
                    "label": label,
                    "source": source,
                    "k": k,
                    "examples": len(parts),
                    "train_s": train_s,
                    "model_bytes": len(model.to_bytes()),
                    "loo_accuracy": model.accuracy,
                    "rows": rows,
                    "counter": counter,
                }
            )
    return {"label": label, "train_cpu_s": train_cpu, "runs": runs}


def summarise(run: dict) -> dict:
    rows = run["rows"]
    pos = [r for r in rows if r["positive"]]
    neg = [r for r in rows if not r["positive"]]
    called = [r for r in rows if r["pred_label"] == SLUG]
    recall = sum(r["pred_label"] == SLUG for r in pos) / len(pos) if pos else None
    precision = sum(r["positive"] for r in called) / len(called) if called else None
    acc = np.mean([r["pred_label"] == r["label"] for r in neg]) if neg else None
    acc0 = np.mean([r["base_pred"] == r["label"] for r in neg]) if neg else None
    counted = [r for r in pos if r["true_reps"]]
    mae = np.mean([abs(r["pred_reps"] - r["true_reps"]) / r["true_reps"] for r in counted])
    cnt = run["counter"]
    return {
        "label": run["label"],
        "source": run["source"],
        "k": run["k"],
        "examples": run["examples"],
        "positives": len(pos),
        "negatives": len(neg),
        "recall": recall,
        "precision": precision,
        "false_positives": len(called) - sum(r["positive"] for r in called),
        "builtin_acc": acc,
        "builtin_acc_without": acc0,
        "rep_mae": float(mae) if counted else None,
        "counter_custom": cnt["custom"][0] / cnt["custom"][1] if cnt["custom"][1] else None,
        "counter_builtin": cnt["builtin"][0] / cnt["builtin"][1] if cnt["builtin"][1] else None,
        "train_s": run["train_s"],
        "model_bytes": run["model_bytes"],
    }


def pooled(summaries: list[dict], k: int, rows_by: dict) -> dict:
    """Figures over every label and teaching source at one k, pooled over clips."""
    runs = [rows_by[(s["label"], s["source"], s["k"])] for s in summaries if s["k"] == k]
    rows = [r for run in runs for r in run["rows"]]
    pos = [r for r in rows if r["positive"]]
    neg = [r for r in rows if not r["positive"]]
    called = [r for r in rows if r["pred_label"] == SLUG]
    return {
        "k": k,
        "recall": sum(r["pred_label"] == SLUG for r in pos) / max(len(pos), 1),
        "precision": sum(r["positive"] for r in called) / len(called) if called else None,
        "builtin_acc_change": float(
            np.mean([r["pred_label"] == r["label"] for r in neg])
            - np.mean([r["base_pred"] == r["label"] for r in neg])
        ),
        "positives": len(pos),
        "negatives": len(neg),
    }


def fewshot(manifest: str, steps: int, labels=LABELS, log=print) -> dict:
    from .train import load_clips

    clips, seqs = load_clips(manifest, log)
    clips = [c for c in clips if c.split == "dev"]
    folds = repo_folds(clips)
    out = []
    for i, label in enumerate(labels):
        # the fold left out with a label is fixed by its place in LABELS, so a run over
        # some of them reuses (and agrees with) a run over all
        f = (LABELS.index(label) if label in LABELS else i) % len(folds)
        out.append(evaluate_label(clips, seqs, label, f, set(folds[f]), steps, log))
    return {"labels": out}


def report_text(result: dict) -> str:
    summaries, rows_by = [], {}
    for lab in result["labels"]:
        for run in lab["runs"]:
            summaries.append(summarise(run))
            rows_by[(run["label"], run["source"], run["k"])] = run
    lines = [
        f"{'label':13s} {'teaching source':34s} {'k':>2s} {'pos':>4s} {'neg':>4s} "
        f"{'recall':>6s} {'prec':>5s} {'FP':>3s} {'acc':>5s} {'acc0':>5s} {'MAE':>5s} "
        f"{'cnt-c':>5s} {'cnt-b':>5s} {'train s':>7s} {'bytes':>6s}"
    ]

    def f(v, w=5, p=3):
        return f"{v:{w}.{p}f}" if v is not None else f"{'-':>{w}s}"

    for s in summaries:
        lines.append(
            f"{s['label']:13s} {s['source'][:34]:34s} {s['k']:2d} {s['positives']:4d} "
            f"{s['negatives']:4d} {f(s['recall'], 6)} {f(s['precision'])} "
            f"{s['false_positives']:3d} {f(s['builtin_acc'])} {f(s['builtin_acc_without'])} "
            f"{f(s['rep_mae'])} {f(s['counter_custom'])} {f(s['counter_builtin'])} "
            f"{s['train_s']:7.3f} {s['model_bytes']:6d}"
        )
    lines.append("")
    for k in KS:
        p = pooled(summaries, k, rows_by)
        lines.append(
            f"k={k}: recall {p['recall']:.3f} ({p['positives']} positive clips), precision "
            f"{f(p['precision'])}, built-in accuracy change {p['builtin_acc_change']:+.3f} "
            f"({p['negatives']} negative clips)"
        )
    for k in KS:
        ks = [s for s in summaries if s["k"] == k]
        mae = [s["rep_mae"] for s in ks if s["rep_mae"] is not None]
        cc = [s["counter_custom"] for s in ks if s["counter_custom"] is not None]
        cb = [s["counter_builtin"] for s in ks if s["counter_builtin"] is not None]
        lines.append(
            f"k={k}: repetition MAE end to end {np.mean(mae):.3f}; counter alone in the true "
            f"bouts, reps off per true rep: custom prior {np.mean(cc):.3f}, built-in prior "
            f"{np.mean(cb):.3f}"
        )
    cpu = [lab["train_cpu_s"] for lab in result["labels"]]
    lines.append(f"held-out model training: {sum(cpu) / 60:.1f} CPU-min in all")
    return "\n".join(lines)


def fewshot_command(a) -> int:
    import torch

    torch.set_num_threads(1)
    from .train import STEPS

    steps = STEPS if a.steps is None else a.steps
    labels = tuple(a.labels.split(",")) if a.labels else LABELS
    log = lambda *x, **k: print(*x, file=sys.stderr, **k)  # noqa: E731
    result = fewshot(a.manifest, steps, labels, log)
    if a.out:
        Path(a.out).write_text(json.dumps(result))
    print(report_text(result))
    return 0
