"""`python -m inference custom train DIR --out FILE`: custom exercises from a folder of videos.

The folder is laid out as `videos_train/<label>/*` (each video one example of `<label>`,
the whole video) and, optionally, `videos_valid/<label>/*` (videos to check the model on:
each is analysed with the custom exercises and counts as right when the exercise it spends
most time in is its folder's label). Prints the validation accuracy (and the model's own
leave-one-out estimate) and writes the model file that `analyze --custom FILE` reads.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm"}


def _videos(folder: Path) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    if not folder.is_dir():
        return out
    for label_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        vids = sorted(p for p in label_dir.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
        if vids:
            out[label_dir.name] = vids
    return out


def main_exercise(result) -> str:
    """The exercise a result spends most time in ("none" without bouts)."""
    time_in: dict[str, float] = defaultdict(float)
    for b in result.bouts:
        time_in[b.exercise] += b.end_s - b.start_s
    return max(time_in, key=time_in.get) if time_in else "none"


def cmd_custom_train(a) -> int:
    from .analyzer import analyze_sequence
    from .catalogue import exercise_catalogue
    from .custom import DEFAULT_MET, CustomExample, CustomExercise, train_custom
    from .errors import InferenceError
    from .landmarks import extract_landmarks
    from .pose import default_backbone, quiet_native_logging

    quiet_native_logging()
    root = Path(a.dir)
    train, valid = _videos(root / "videos_train"), _videos(root / "videos_valid")
    if not train:
        print(f"error: no videos under {root / 'videos_train'}/<label>/", file=sys.stderr)
        return 2
    builtin = {r["exercise"] for r in exercise_catalogue()}
    clash = sorted(set(train) & builtin)
    if clash:
        print(f"error: labels clash with built-in exercises: {', '.join(clash)}", file=sys.stderr)
        return 2
    holds = set(a.hold or [])
    kinds = {lab: "hold" if lab in holds else "reps" for lab in train}
    exercises = [
        CustomExercise(lab, lab.replace("_", " "), kind, DEFAULT_MET[kind])
        for lab, kind in kinds.items()
    ]
    backbone = default_backbone()
    try:
        landmarks = {}
        for v in [v for folder in (train, valid) for vids in folder.values() for v in vids]:
            print(f"pose: {v}", file=sys.stderr)
            landmarks[v], _ = extract_landmarks(str(v), backbone)
        examples = [
            CustomExample(lab, landmarks[v], 0.0, landmarks[v].duration_s)
            for lab, vids in train.items()
            for v in vids
        ]
        t0 = time.perf_counter()
        model = train_custom(exercises, examples)
        took = time.perf_counter() - t0
    except InferenceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        backbone.close()
    data = model.to_bytes()
    Path(a.out).write_bytes(data)
    print(
        f"trained {len(model.slugs)} exercises from {model.examples_used} examples in "
        f"{took:.2f} s; model {len(data)} bytes -> {a.out}"
    )
    loo = "n/a (one example per exercise)" if model.accuracy is None else f"{model.accuracy:.3f}"
    print(f"leave-one-out accuracy on the training examples: {loo}")
    if valid:
        right = n = 0
        for lab, vids in valid.items():
            for v in vids:
                got = main_exercise(analyze_sequence(landmarks[v], custom=model))
                right += got == lab
                n += 1
                print(f"  {v.name}: {got} ({'right' if got == lab else 'wrong'}, want {lab})")
        print(f"validation accuracy: {right / n:.3f} ({right}/{n})")
    return 0


def add_train_command(sub) -> None:
    tr = sub.add_parser(
        "train", help="train custom exercises from videos_train/<label>/* (+ videos_valid)"
    )
    tr.add_argument("dir", help="folder holding videos_train/<label>/* and videos_valid/<label>/*")
    tr.add_argument("--out", required=True, help="model file to write")
    tr.add_argument(
        "--hold", action="append", metavar="LABEL", help="a label that is held (like a plank)"
    )
    tr.set_defaults(fn=cmd_custom_train)
