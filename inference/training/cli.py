"""`python -m inference train|evaluate`: the training subcommands of the engine's CLI.

The runtime CLI (`inference.cli`) adds these to its parser; this is the one runtime import
of the training package, and it loads nothing heavy: torch and the training modules are
imported when a command runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DEFAULT_MANIFEST = (
    Path(__file__).resolve().parents[3] / "shared" / "datasets" / "exercise-clips" / "manifest.json"
)


def cmd_train(a) -> int:
    from ..pose import quiet_native_logging

    quiet_native_logging()
    from .train import STEPS, train_command

    train_command(a.manifest, steps=STEPS if a.steps is None else a.steps)
    return 0


def cmd_evaluate(a) -> int:
    from ..pose import quiet_native_logging

    quiet_native_logging()
    from .evaluate import evaluate, print_report
    from .train import SEED, STEPS

    report = evaluate(
        a.manifest,
        folds=a.folds,
        steps=STEPS if a.steps is None else a.steps,
        reuse_folds=a.reuse_folds,
        jobs=a.jobs,
        seed=SEED if a.seed is None else a.seed,
        log=lambda *x, **k: print(*x, file=sys.stderr),
        write_calibration=a.write_calibration,
    )
    if a.json:
        print(json.dumps(report))
    else:
        print_report(report)
    return 0


def cmd_custom_evaluate(a) -> int:
    from ..pose import quiet_native_logging

    quiet_native_logging()
    from .fewshot import fewshot_command

    return fewshot_command(a)


def add_commands(sub, custom_sub=None) -> None:
    """The `train` and `evaluate` subparsers (`--steps` and `--seed` default to
    training.train's STEPS and SEED, looked up when the command runs), and `custom
    evaluate` under `custom_sub` (the few-shot protocol of training.fewshot)."""
    if custom_sub is not None:
        fe = custom_sub.add_parser(
            "evaluate", help="few-shot evaluation of custom exercises on the clip manifest"
        )
        fe.add_argument("--manifest", default=str(DEFAULT_MANIFEST))
        fe.add_argument("--steps", type=int, help="training steps of the held-out models")
        fe.add_argument("--labels", help="comma-separated labels (default: fewshot.LABELS)")
        fe.add_argument("--out", help="write every clip's figures here as JSON")
        fe.set_defaults(fn=cmd_custom_evaluate)
    tr = sub.add_parser("train", help="train the shipped weights from a clip manifest")
    tr.add_argument("--manifest", default=str(DEFAULT_MANIFEST))
    tr.add_argument("--steps", type=int)
    tr.set_defaults(fn=cmd_train)
    ev = sub.add_parser("evaluate", help="cross-validated evaluation on a clip manifest")
    ev.add_argument("--manifest", default=str(DEFAULT_MANIFEST))
    ev.add_argument("--folds", type=int, default=6)
    ev.add_argument("--steps", type=int)
    ev.add_argument("--json", action="store_true")
    ev.add_argument(
        "--reuse-folds",
        action="store_true",
        help="keep/reuse fold models in .cache/folds (iterate on post-processing)",
    )
    ev.add_argument(
        "--jobs", type=int, default=1, help="folds run in this many processes (e.g. 2 on 2 cores)"
    )
    ev.add_argument(
        "--seed",
        type=int,
        help="training seed of the fold models (another seed: another set of fold models)",
    )
    ev.add_argument(
        "--write-calibration",
        type=Path,
        metavar="PATH",
        help="fit the confidence calibration on the held-out bouts and write it to PATH "
        "(inference/weights/calibration.json ships it with the weights)",
    )
    ev.set_defaults(fn=cmd_evaluate)
