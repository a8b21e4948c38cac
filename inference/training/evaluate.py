"""Cross-validated evaluation: `python -m inference evaluate --manifest M`.

Clips are split into folds by whole source repository (manifest `source.repo`), so a model
is never scored on footage from a repository it was trained on. For each fold the full
training recipe (classifier + repetition priors + cadence) is re-run on the other folds and
the complete analysis path (`analyze_sequence`) is run on the held-out clips' cached
landmarks. Speed is the measured end-to-end cost of decode + pose (from extraction) plus the
analysis itself.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import multiprocessing
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch

from ..analyzer import analyze_sequence
from ..calories import STATIC_EXERCISES
from ..counting import count_reps
from ..features import ANGLE_SLICE, sequence_features
from ..heads import IDLE, load_weights
from ..landmarks import cache_path
from ..pose import default_backbone
from .calibrate import bout_rows, cross_fitted_report, fit_calibration
from .conditions import CONDITIONS, conditions
from .dataset import NON_EXERCISE, Clip, exercise_labels
from .train import (
    SEED,
    STEPS,
    build_bout_set,
    build_training_set,
    fit_bout_params,
    fit_rep_priors,
    load_clips,
    train_weights,
)

N_FOLDS = 6


def repo_folds(clips: list[Clip], k: int = N_FOLDS) -> list[list[str]]:
    """Assign whole repositories to k folds, largest first, to the fold with fewest clips."""
    by_repo = defaultdict(list)
    for c in clips:
        by_repo[c.source_repo].append(c.id)
    folds = [[] for _ in range(k)]
    for repo in sorted(by_repo, key=lambda r: (-len(by_repo[r]), r)):
        min(folds, key=len).extend(by_repo[repo])
    return folds


def _in_true_bouts(clip: Clip, label: str, t: float) -> bool:
    return any(b.start <= t < b.end for b in clip.bouts if b.label == label)


def main_label(result) -> str:
    dur = defaultdict(float)
    for b in result.bouts:
        dur[b.exercise] += b.end_s - b.start_s
    return max(dur, key=dur.get) if dur else "none"


def clip_metrics(clip: Clip, result) -> dict:
    """Label, reps and hold of one clip.

    Reps: for a clip with one exercise, every predicted repetition in the clip (so reps
    invented during rest count against the engine); for a multi-exercise clip, predicted
    repetitions whose midpoint lies in a true bout of the clip's label. Either way counting
    is scored apart from classification (a miss-labelled bout still contributes its reps).
    Hold: time of predicted bouts inside true plank bouts (hold_s of plank bouts, duration
    of others)."""
    pred_label = main_label(result)
    multi = len({b.label for b in clip.bouts if b.label not in NON_EXERCISE}) > 1
    if multi:
        reps = sum(
            1
            for b in result.bouts
            for a, e in b.rep_times_s
            if _in_true_bouts(clip, clip.label, (a + e) / 2)
        )
    else:
        reps = sum(b.reps for b in result.bouts)
    hold = None
    if clip.label in STATIC_EXERCISES:
        hold = 0.0
        for b in result.bouts:
            if _in_true_bouts(clip, clip.label, (b.start_s + b.end_s) / 2):
                hold += b.hold_s if b.hold_s is not None else (b.end_s - b.start_s)
    return {
        "id": clip.id,
        "repo": clip.source_repo,
        "label": clip.label,
        "pred_label": pred_label,
        "true_reps": clip.reps,
        "pred_reps": reps,
        "reps_alt": clip.reps_alt,
        "true_hold": clip.hold_seconds,
        "pred_hold": hold,
    }


def _covered(t: np.ndarray, spans) -> np.ndarray:
    """Which of the times `t` lie in one of the [start, end) spans."""
    mask = np.zeros(len(t), bool)
    for start, end in spans:
        mask |= (t >= start) & (t < end)
    return mask


def time_metrics(clip: Clip, result, present: np.ndarray, fps: float) -> dict:
    """Where the bouts lie in time, whatever their labels: seconds of true non-exercise
    time with a person in view (rest, talking, setup) that fall inside predicted bouts
    (counted as active time and calories), seconds of true exercise outside every
    predicted bout, seconds of true exercise inside a predicted bout of the same exercise,
    and repetitions whose midpoint lies outside every true exercise bout."""
    t = np.arange(len(present)) / fps
    exercise = [(b.start, b.end) for b in clip.bouts if b.label not in NON_EXERCISE]
    true_ex = _covered(t, exercise)
    pred = _covered(t, [(b.start_s, b.end_s) for b in result.bouts])
    labelled = np.zeros(len(t), bool)
    for tb in clip.bouts:
        if tb.label not in NON_EXERCISE:
            same = [(b.start_s, b.end_s) for b in result.bouts if b.exercise == tb.label]
            labelled |= _covered(t, [(tb.start, tb.end)]) & _covered(t, same)
    rest = ~true_ex & present
    mids = np.array([(a + e) / 2 for b in result.bouts for a, e in b.rep_times_s])
    stray = int((~_covered(mids, exercise)).sum())
    return {
        "rest_s": float(rest.sum() / fps),
        "rest_in_bouts_s": float((rest & pred).sum() / fps),
        "exercise_s": float(true_ex.sum() / fps),
        "exercise_missed_s": float((true_ex & ~pred).sum() / fps),
        "exercise_labelled_s": float(labelled.sum() / fps),
        "reps_outside_exercise": stray,
    }


# Baseline: the usual open-source counter, a fixed joint-angle threshold per exercise,
# given the TRUE label (so it is favoured) and run over the whole clip.
_BASELINE_JOINT = {  # label -> (angle feature index pair, down threshold, up threshold) in degrees
    "knee": ((6, 7), 100, 150),
    "elbow": ((0, 1), 90, 150),
    "hip": ((4, 5), 100, 150),
    "shoulder": ((2, 3), 40, 80),
}
_BASELINE_FAMILY = {
    "squat": "knee",
    "lunge": "knee",
    "jump_squat": "knee",
    "thruster": "knee",
    "step_up": "knee",
    "push_up": "elbow",
    "bicep_curl": "elbow",
    "pull_up": "elbow",
    "dip": "elbow",
    "bench_press": "elbow",
    "tricep_extension": "elbow",
    "shoulder_press": "elbow",
    "lateral_raise": "shoulder",
    "front_raise": "shoulder",
    "jumping_jack": "shoulder",
}


def baseline_count(feats: np.ndarray, label: str) -> int:
    (left, right), down, up = _BASELINE_JOINT[_BASELINE_FAMILY.get(label, "hip")]
    ang = feats[:, ANGLE_SLICE][:, [left, right]].mean(axis=1) * 180.0
    reps, stage = 0, None
    rising = _BASELINE_FAMILY.get(label) == "shoulder"  # raises: count on the way up
    for a in ang:
        if rising:
            if a < down:
                stage = "down"
            elif a > up and stage == "down":
                stage, reps = "up", reps + 1
        else:
            if a > up:
                stage = "up"
            elif a < down and stage == "up":
                stage, reps = "down", reps + 1
    return reps


def _relative_error(row: dict, key: str, either_reading: bool = False) -> float:
    """|row[key] - true count| / true count. With `either_reading`, against the nearer of
    the clip's count and its `reps_alt` where the manifest gives one (a clip that opens or
    ends mid-repetition): how much of the error is that ambiguity. A secondary figure:
    `rep_mae` is the target one."""
    counts = [row["true_reps"]]
    if either_reading and row.get("reps_alt") is not None:
        counts.append(row["reps_alt"])
    return min(abs(row[key] - c) for c in counts) / row["true_reps"]


def _mean(values: list) -> float | None:
    return float(np.mean(values)) if values else None


def summarise(rows: list[dict]) -> dict:
    lab = [r["pred_label"] == r["label"] for r in rows]
    counted = [r for r in rows if r["true_reps"] > 0]
    obo = [abs(r["pred_reps"] - r["true_reps"]) <= 1 for r in counted]
    base_obo = [abs(r["baseline_reps"] - r["true_reps"]) <= 1 for r in counted]

    def mae(key: str, either_reading: bool = False) -> float | None:
        return _mean([_relative_error(r, key, either_reading) for r in counted])

    holds = [
        abs(r["pred_hold"] - r["true_hold"]) / r["true_hold"]
        for r in rows
        if r["true_hold"] and r["pred_hold"] is not None
    ]
    return {
        "clips": len(rows),
        "label_accuracy": _mean(lab),
        "rep_mae": mae("pred_reps"),
        "off_by_one_accuracy": _mean(obo),
        "rep_mae_true_bouts": mae("oracle_reps"),
        "rep_mae_either_reading": mae("pred_reps", either_reading=True),
        "rep_mae_true_bouts_either_reading": mae("oracle_reps", either_reading=True),
        "baseline_rep_mae": mae("baseline_reps"),
        "baseline_off_by_one": _mean(base_obo),
        "plank_hold_error": _mean(holds),
        **_time_summary(rows),
    }


def _time_summary(rows: list[dict]) -> dict:
    """Totals of `time_metrics` over the clips that have them."""
    rows = [r for r in rows if "rest_s" in r]
    if not rows:
        return {}
    rest = sum(r["rest_s"] for r in rows)
    exercise = sum(r["exercise_s"] for r in rows)

    def share_of_exercise(key: str) -> float | None:
        return sum(r[key] for r in rows) / exercise if exercise else None

    return {
        "rest_in_bouts_fraction": sum(r["rest_in_bouts_s"] for r in rows) / rest if rest else None,
        "exercise_missed_fraction": share_of_exercise("exercise_missed_s"),
        # Finer than the clip label accuracy (thousands of frames, not 129 clips), and it
        # also scores the other exercises of multi-exercise clips: which part of the true
        # exercise time lies inside a predicted bout of that exercise.
        "exercise_time_labelled_fraction": share_of_exercise("exercise_labelled_s"),
        "reps_outside_exercise": sum(r["reps_outside_exercise"] for r in rows),
    }


def speed_from_cache(clips) -> dict:
    wall = dur = 0.0
    version = default_backbone().version  # the backbone whose landmarks were evaluated
    for c in clips:
        p = cache_path(c.id, version, 10.0).with_suffix(".timing")
        if p.exists():
            fields = [float(v) for v in p.read_text().split()]  # wall [pose] video seconds
            wall, dur = wall + fields[0], dur + fields[-1]
    return {"decode_pose_s": wall, "video_s": dur}


FOLD_CACHE = Path(__file__).resolve().parents[2] / ".cache" / "folds"


def _recipe_fingerprint(seed: int = SEED) -> str:
    """Hash of what defines the window classifier's training (`seed` included), so cached
    fold models go stale with it (the priors and the bout classifier are refit on reuse
    anyway)."""
    from .. import features
    from . import augment, model, synth, train

    h = hashlib.sha256()
    for module in (synth, features, augment, model):
        h.update(Path(module.__file__).read_bytes())
    for fn in (train.frame_labels, train._clip_versions, train.build_training_set):
        h.update(inspect.getsource(fn).encode())
    h.update(inspect.getsource(train.fit_classifier).encode())
    consts = (
        train.N_AUGMENT,
        train.TRAIN_STRIDE,
        train.BATCH,
        seed,
        train.SYNTHETIC,
        train.ENSEMBLE,
        train.MIXUP_ALPHA,
    )
    h.update(repr(consts).encode())
    return h.hexdigest()[:12]


def _fold_weights(
    k, train, seqs, vocab, steps, reuse, log, prebuilt=None, bout_set=None, seed=SEED
):
    """Train a fold's model; with `reuse`, keep it under .cache/folds (for iterating on
    post-processing without retraining: delete the folder after changing the training)."""
    from ..heads import EngineWeights

    key = hashlib.sha256(
        (
            "|".join(sorted(c.id for c in train))
            + f"|{steps}|{_recipe_fingerprint(seed)}|{default_backbone().version}"
        ).encode()
    ).hexdigest()[:10]
    path = FOLD_CACHE / f"fold{k}_{key}.npz"
    if reuse and path.exists():
        w = EngineWeights.load(path)
        # Counting priors are cheap: refit them so counting changes need no retraining.
        w.rep_priors, w.typical_cadence = fit_rep_priors(train, seqs, vocab)
        # So is the bout classifier (seconds): refit so its changes need no retraining.
        w.params.update(fit_bout_params(train, vocab, bout_set(), seed=seed))
        return w
    w = train_weights(
        train,
        seqs,
        labels=vocab,
        steps=steps,
        seed=seed,
        log=None,
        prebuilt=prebuilt(),
        bout_set=bout_set(),
    )
    if reuse:
        w.save(path)
        w = EngineWeights.load(path)  # same half-precision round trip as shipped weights
    return w


class _FoldRunner:
    """Everything the folds share (clips, landmarks, augmented training sets built once, on
    first need); `run(k)` trains fold k's model and scores its held-out clips. `seed`
    seeds every random choice of training (augmentation, synthesis, networks)."""

    def __init__(
        self, manifest: str, folds: int, steps: int, reuse_folds: bool, log=print, seed=SEED
    ):
        torch.set_num_threads(1)  # 2 threads on a shared 2-core box spin and run slower
        clips, self.seqs = load_clips(manifest, log)
        self.clips = [c for c in clips if c.split == "dev"]
        self.vocab = exercise_labels(self.clips) + [IDLE]
        self.by_id = {c.id: c for c in self.clips}
        self.folds = repo_folds(self.clips, folds)
        self.steps, self.reuse, self.log, self.seed = steps, reuse_folds, log, seed
        self._built, self._bouts = [], []

    def prebuilt(self):  # the augmented training set of all clips
        if not self._built:
            self._built.append(
                build_training_set(self.clips, self.seqs, self.vocab, seed=self.seed)
            )
        return self._built[0]

    def bout_set(self):  # the same for the bout classifier
        if not self._bouts:
            self._bouts.append(build_bout_set(self.clips, self.seqs, self.vocab, seed=self.seed))
        return self._bouts[0]

    def run(self, k: int) -> tuple[list[dict], float]:
        held = self.folds[k]
        held_set = set(held)
        train = [c for c in self.clips if c.id not in held_set]
        self.log(
            f"fold {k + 1}/{len(self.folds)}: train {len(train)} clips, test {len(held)} clips "
            f"({len({self.by_id[i].source_repo for i in held})} repos)"
        )
        w = _fold_weights(
            k, train, self.seqs, self.vocab, self.steps, self.reuse, self.log,
            self.prebuilt, self.bout_set, self.seed,
        )  # fmt: skip
        rows, analysis_s = [], 0.0
        for cid in held:
            c, seq = self.by_id[cid], self.seqs[cid]
            t0 = time.perf_counter()
            evidence: list[dict] = []
            res = analyze_sequence(seq, weights=w, evidence=evidence)
            analysis_s += time.perf_counter() - t0
            row = clip_metrics(c, res)
            row["bouts"] = [{**b, "fold": k} for b in bout_rows(c, res, evidence)]
            row.update(time_metrics(c, res, seq.present, seq.fps))
            feats, _ = sequence_features(seq)
            row["baseline_reps"] = baseline_count(feats, c.label)
            # Counting alone: the class-aware counter on the TRUE bouts of the clip's label.
            fps = seq.fps
            spans = [
                (int(b.start * fps), int(np.ceil(b.end * fps)))
                for b in c.bouts
                if b.label == c.label and b.end - b.start >= 0.6
            ]
            row["oracle_reps"] = sum(
                count_reps(feats[a:e], fps, w.prior(c.label), video_ends=e >= len(feats)).reps
                for a, e in spans
            )
            row["fold"] = k
            row["conditions"] = sorted(conditions(c))
            rows.append(row)
        return rows, analysis_s


_WORKER: _FoldRunner | None = None


def _start_worker(manifest, folds, steps, reuse_folds, seed):
    global _WORKER
    _WORKER = _FoldRunner(manifest, folds, steps, reuse_folds, lambda *a, **k: None, seed)


def _run_in_worker(k: int):
    return _WORKER.run(k)


def evaluate(
    manifest: str,
    folds: int = N_FOLDS,
    steps: int = STEPS,
    log=print,
    reuse_folds=False,
    jobs: int = 1,
    seed: int = SEED,
    write_calibration: Path | None = None,
) -> dict:
    """`jobs` > 1 runs folds in that many processes (spawned, so no pose graph or torch
    thread pool is inherited), each with one torch thread. `seed`: another seed gives
    another set of fold models, to tell a change from the spread between trainings.
    `write_calibration`: fit the confidence calibration on every held-out bout and write
    it there, for the shipped weights (`inference.confidence`)."""
    runner = _FoldRunner(manifest, folds, steps, reuse_folds, log, seed)
    clips = runner.clips
    if jobs > 1:
        ctx = multiprocessing.get_context("spawn")
        args = (manifest, folds, steps, reuse_folds, seed)
        with ProcessPoolExecutor(jobs, ctx, _start_worker, args) as pool:
            log(f"{folds} folds in {jobs} processes")
            parts = list(pool.map(_run_in_worker, range(folds)))
    else:
        parts = [runner.run(k) for k in range(folds)]
    rows = [r for part, _ in parts for r in part]
    analysis_s = sum(t for _, t in parts)
    summary = summarise(rows)
    sp = speed_from_cache(clips)
    if sp["video_s"]:
        summary["real_time_factor"] = sp["video_s"] / (sp["decode_pose_s"] + analysis_s)
        summary["real_time_factor_note"] = (
            "clips as stored (longest side <= 640 px), decode + pose from extraction + analysis"
        )
    per_label = defaultdict(list)
    for r in rows:
        per_label[r["label"]].append(r)
    bouts = [b for r in rows for b in r["bouts"]]
    if write_calibration is not None:
        calibration = fit_calibration(bouts, load_weights().version)
        Path(write_calibration).write_text(json.dumps(calibration.to_dict(), indent=1) + "\n")
        log(f"calibration for weights {calibration.weights_version} written to {write_calibration}")
    return {
        "summary": summary,
        "calibration": cross_fitted_report(bouts),
        "per_label": {lab: summarise(v) for lab, v in sorted(per_label.items())},
        "per_condition": per_condition(rows),
        "clips": rows,
    }


def per_condition(rows: list[dict]) -> dict:
    """`summarise` over the clips of each footage condition (`conditions.CONDITIONS`)."""
    out = {}
    for name in CONDITIONS:
        some = [r for r in rows if name in r.get("conditions", ())]
        if some:
            out[name] = summarise(some)
    return out


def print_report(report: dict, out=print) -> None:
    out(
        f"{'clip':52s} {'label':18s} {'predicted':18s} {'reps':>4s} {'pred':>4s} {'base':>4s} "
        f"{'hold':>6s} {'pred':>6s}"
    )
    for r in report["clips"]:
        said = "     -" if r["pred_hold"] is None else f"{r['pred_hold']:6.1f}"
        hold = f"{r['true_hold']:6.1f} {said}" if r["true_hold"] else ""
        mark = "" if r["pred_label"] == r["label"] else " *"
        out(
            f"{r['id'][:52]:52s} {r['label']:18s} {r['pred_label'][:18]:18s} {r['true_reps']:4d} "
            f"{r['pred_reps']:4d} {r['baseline_reps']:4d} {hold}{mark}"
        )
    out("\nper label:")
    out(f"{'label':18s} {'clips':>5s} {'acc':>5s} {'repMAE':>7s} {'obo':>5s}")

    def fmt(v):
        return "  -  " if v is None else f"{v:.2f}"

    for lab, s in report["per_label"].items():
        out(
            f"{lab:18s} {s['clips']:5d} {fmt(s['label_accuracy']):>5s} {fmt(s['rep_mae']):>7s} "
            f"{fmt(s['off_by_one_accuracy']):>5s}"
        )
    out("\nper footage condition (tags from the manifest's notes):")
    out(f"{'condition':18s} {'clips':>5s} {'acc':>5s} {'repMAE':>7s} {'obo':>5s}  meaning")
    for name, s in report.get("per_condition", {}).items():
        out(
            f"{name:18s} {s['clips']:5d} {fmt(s['label_accuracy']):>5s} {fmt(s['rep_mae']):>7s} "
            f"{fmt(s['off_by_one_accuracy']):>5s}  {CONDITIONS[name]}"
        )
    confusions = defaultdict(int)
    for r in report["clips"]:
        if r["pred_label"] != r["label"]:
            confusions[(r["label"], r["pred_label"])] += 1
    out("\nconfusions (true -> predicted: clips):")
    for (t, p), n in sorted(confusions.items(), key=lambda x: (-x[1], x[0])):
        out(f"  {t} -> {p}: {n}")
    out("\nconfidence calibration (bouts; each fold scored by a calibrator of the other folds):")
    for kind, rel in report.get("calibration", {}).items():
        floor = (
            f" (a perfectly calibrated engine would show about {rel['ece_floor']:.3f} here)"
            if "ece_floor" in rel
            else ""
        )
        out(f"  {kind}: expected calibration error {rel['ece']:.3f} over {rel['n']} bouts{floor}")
        if "brier" in rel:
            out(
                f"    Brier score {rel['brier']:.4f} (the same rate said of every bout: "
                f"{rel['brier_constant']:.4f})"
            )
        for b in rel["table"]:
            out(f"    {b['bin']}  {b['n']:4d} bouts  said {b['conf']:.2f}  right {b['acc']:.2f}")
    out("\noverall (cross-validated, leaving out whole source repositories):")
    width = max(map(len, report["summary"]), default=0)
    for k, v in report["summary"].items():
        out(f"  {k:{width}s} {v:.3f}" if isinstance(v, float) else f"  {k:{width}s} {v}")
