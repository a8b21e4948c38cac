"""Command line: `python -m inference {analyze,exercises,train,evaluate}`."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path


@contextlib.contextmanager
def stdout_to_stderr():
    """Send anything written to fd 1 (including native libraries) to stderr meanwhile, so
    `--json` output is exactly the result object."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


@contextlib.contextmanager
def quiet_stderr(enabled: bool):
    """Drop native stderr chatter (TF Lite / glog) when not showing progress."""
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class ProgressBar:
    def __init__(self, stream, width=30):
        self.stream, self.width, self.last = stream, width, -1

    def __call__(self, frac: float):
        pct = int(frac * 100)
        if pct == self.last:
            return
        self.last = pct
        filled = int(frac * self.width)
        self.stream.write(f"\ranalysing [{'#' * filled}{'.' * (self.width - filled)}] {pct:3d}%")
        if frac >= 1.0:
            self.stream.write("\n")
        self.stream.flush()


def _fmt_time(s: float) -> str:
    return f"{int(s // 60)}:{s % 60:04.1f}"


def print_table(res, out=sys.stdout) -> None:
    w = out.write
    w(
        f"duration {_fmt_time(res.duration_s)}  frames {res.frames_analysed} "
        f"@ {res.analysis_fps:g} fps  "
        f"person visible {res.person_visible_fraction:.0%}\n"
    )
    bm = res.body_metrics
    w(
        f"body: {bm.weight_kg:g} kg, {bm.height_cm:g} cm, {bm.age:g} y, {bm.sex}"
        + (f"  (defaults: {', '.join(bm.defaulted)})" if bm.defaulted else "")
        + "\n\n"
    )
    if not res.bouts:
        w("no exercise found\n")
    else:
        w(
            f"{'exercise':18s} {'start':>7s} {'end':>7s} {'reps':>5s} {'hold s':>7s} "
            f"{'MET':>5s} {'kcal':>6s} {'sure':>5s} {'count':>5s}\n"
        )
        for b in res.bouts:
            hold = f"{b.hold_s:7.1f}" if b.hold_s is not None else f"{'':7s}"
            count = f"{b.count_confidence:5.2f}" if b.count_confidence is not None else f"{'':5s}"
            w(
                f"{b.exercise:18s} {_fmt_time(b.start_s):>7s} {_fmt_time(b.end_s):>7s} "
                f"{b.reps:5d} {hold} "
                f"{b.met:5.1f} {b.kcal:6.1f} {b.confidence:5.2f} {count}\n"
            )
        w("sure: how likely the exercise is right; count: how likely the count is exactly right\n")
    t = res.totals
    reps = ", ".join(f"{k} {v}" for k, v in t.reps_by_exercise.items()) or "-"
    w(f"\ntotal: {t.kcal:.1f} kcal, active {t.active_s:.0f} s, reps: {reps}\n")
    w(f"model: {res.model.name} {res.model.version}\n")


def cmd_analyze(a) -> int:
    from .pose import quiet_native_logging

    quiet_native_logging()
    from . import analyze_video
    from .calories import BodyMetrics
    from .decode import probe
    from .errors import InferenceError

    body = BodyMetrics(a.weight, a.height, a.age, a.sex)
    try:
        info = probe(a.video)
        show_progress = not a.json and info.duration_s > 10 and sys.stderr.isatty() or a.progress
        progress = ProgressBar(sys.stderr) if show_progress and not a.json else None
        custom = None
        if a.custom:
            from .custom import CustomModel

            custom = CustomModel.from_bytes(Path(a.custom).read_bytes())
        with stdout_to_stderr(), quiet_stderr(progress is None):
            res = analyze_video(a.video, body=body, progress=progress, custom=custom)
    except (InferenceError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if a.json:
        sys.stdout.write(res.to_json() + "\n")
    else:
        print_table(res)
    return 0


def cmd_exercises(a) -> int:
    from .catalogue import exercise_catalogue

    rows = exercise_catalogue()
    if a.json:
        print(json.dumps(rows))
    else:
        print(f"{'exercise':18s} {'MET':>5s}  code   compendium activity")
        for r in rows:
            print(
                f"{r['exercise']:18s} {r['met']:5.1f}  {r['compendium_code']}  "
                f"{r['compendium_activity']}"
            )
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m inference", description="coach analysis engine")
    sub = p.add_subparsers(dest="cmd", required=True)
    an = sub.add_parser("analyze", help="analyse a video file")
    an.add_argument("video")
    an.add_argument("--weight", type=float, help="body weight in kg")
    an.add_argument("--height", type=float, help="height in cm")
    an.add_argument("--age", type=float, help="age in years")
    an.add_argument("--sex", help="male or female")
    an.add_argument("--json", action="store_true", help="print only the result JSON on stdout")
    an.add_argument("--progress", action="store_true", help="always show the progress bar")
    an.add_argument(
        "--custom", metavar="FILE", help="custom exercises (`custom train --out FILE`) to name too"
    )
    an.set_defaults(fn=cmd_analyze)
    ex = sub.add_parser("exercises", help="list the exercise vocabulary with MET values")
    ex.add_argument("--json", action="store_true")
    ex.set_defaults(fn=cmd_exercises)
    custom = sub.add_parser("custom", help="custom exercises taught from a few examples")
    custom_sub = custom.add_subparsers(dest="custom_cmd", required=True)
    from .custom_cli import add_train_command

    add_train_command(custom_sub)
    # The one import of the training package from the runtime (light: no torch until a
    # training command runs).
    from .training.cli import add_commands

    add_commands(sub, custom_sub)
    return p


def main(argv=None) -> int:
    a = build_parser().parse_args(argv)
    return a.fn(a)
