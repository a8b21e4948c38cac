"""How close the live estimate is to the saved result: every dataset clip's landmarks fed
frame by frame to `inference.StreamingAnalyzer` (the rule the live workers use), comparing
what a person would see at the end of the stream, and along the way, with the batch result
saved on stop. Uses the landmark cache (fills it on first use, which runs the pose model).

    .venv/bin/python bench/bench_live_estimate.py [--manifest M]

Prints, over the clips with repetitions: how often the last live count (the update sent on
stop, which has seen every frame) equals the saved count or is within one of it, and how
often the regular refresh before it did; the mean absolute difference; how far the live
count trails the saved rep times (each saved rep's end against the moment the live count
reached it); the live kcal at the end against the saved kcal; the CPU of a refresh. These
compare the live view with the engine's own final answer, not with the dataset's labels
(`python -m inference evaluate` does that).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DATASET = Path(
    os.environ.get("COACH_DATASET_DIR", REPO.parent / "shared" / "datasets" / "exercise-clips")
)


def stream_clip(seq, weights):
    from inference.analyzer import StreamingAnalyzer, analyze_sequence

    final = analyze_sequence(seq, weights=weights)
    live = StreamingAnalyzer(fps=seq.fps, weights=weights, frame_size=seq.frame_size)
    started = time.process_time()
    states = [live.push(seq.frame(i)) for i in range(len(seq))]
    states.append(live.refresh_live())  # the stop: the last update has seen every frame
    refreshes = len(seq) // round(live.LIVE_EVERY_S * seq.fps) + 1
    return final, states, (time.process_time() - started) / refreshes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", default=str(DATASET / "manifest.json"))
    a = ap.parse_args()
    from inference.heads import load_weights
    from inference.landmarks import cached_landmarks
    from inference.pose import default_backbone
    from inference.training.dataset import load_manifest

    weights, backbone = load_weights(), default_backbone()
    equal = within_one = clips = before_equal = 0
    diffs, lags, kcal_ratio, refresh_cpu = [], [], [], []
    drops = 0  # times a live count went down (a person sees the counter step back)
    started = time.process_time()
    for clip in load_manifest(a.manifest):
        seq = cached_landmarks(clip.id, str(clip.video_path), backbone)
        final, states, cpu = stream_clip(seq, weights)
        refresh_cpu.append(cpu)
        counts = [state.reps_so_far for state in states]
        drops += sum(b < a for a, b in zip(counts, counts[1:], strict=False))
        saved = sum(final.totals.reps_by_exercise.values())
        if final.totals.kcal > 0:
            kcal_ratio.append(states[-1].kcal_so_far / final.totals.kcal)
        if saved == 0:
            continue
        clips += 1
        equal += counts[-1] == saved
        before_equal += counts[-2] == saved
        within_one += abs(counts[-1] - saved) <= 1
        diffs.append(abs(counts[-1] - saved))
        rep_ends = sorted(end for b in final.bouts for _, end in b.rep_times_s)
        for k, end in enumerate(rep_ends, start=1):
            shown = next((i for i, c in enumerate(counts) if c >= k), None)
            if shown is not None:
                lags.append(shown / seq.fps - end)
    backbone.close()
    print(f"live estimate vs saved result, {clips} clips with repetitions:")
    print(
        f"  last live count = saved count: {equal / clips:.3f}; "
        f"within one: {within_one / clips:.3f}"
    )
    print(
        f"  the estimate before the stop's (up to a second older) = saved count: "
        f"{before_equal / clips:.3f}"
    )
    print(f"  mean |last live count - saved count|: {statistics.mean(diffs):.2f} reps")
    print(f"  the live count went down {drops} times over all clips")
    q = statistics.quantiles(lags, n=20)
    print(
        f"  the live count reaches each saved rep {statistics.median(lags):.1f} s after it ends "
        f"(median; p90 {q[17]:.1f} s, {len(lags)} reps; negative: counted before the saved end)"
    )
    print(
        f"  live kcal at the end / saved kcal: median {statistics.median(kcal_ratio):.3f} "
        f"(p10 {statistics.quantiles(kcal_ratio, n=10)[0]:.3f})"
    )
    print(
        f"  CPU of the live view per refresh: {1000 * statistics.mean(refresh_cpu):.0f} ms "
        f"(set OPENBLAS_NUM_THREADS=1 for a figure that does not count idle BLAS threads)"
    )
    print(f"  CPU: {time.process_time() - started:.1f} s")


if __name__ == "__main__":
    main()
