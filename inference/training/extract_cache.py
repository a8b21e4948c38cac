"""Fill the landmark cache for every clip of a manifest:
`python -m inference.training.extract_cache MANIFEST`."""

from __future__ import annotations

import sys
import time

from ..decode import ANALYSIS_FPS
from ..landmarks import cache_path, cached_landmarks
from ..pose import default_backbone
from .dataset import load_manifest


def fill_cache(manifest: str, log=print) -> None:
    clips = load_manifest(manifest)
    backbone = default_backbone()
    # Short clips first so partial caches are useful early.
    for i, c in enumerate(sorted(clips, key=lambda c: c.duration_s)):
        done = cache_path(c.id, backbone.version, ANALYSIS_FPS).exists()
        t0 = time.perf_counter()
        switches = getattr(backbone, "switches", 0)
        seq = cached_landmarks(c.id, str(c.video_path), backbone)
        if not done:
            switched = getattr(backbone, "switches", 0) - switches
            log(
                f"[{i + 1}/{len(clips)}] {c.id}: {len(seq)} frames, "
                f"person {seq.present.mean():.0%}, "
                + (f"followed someone else {switched}x, " if switched else "")
                + f"{time.perf_counter() - t0:.1f}s",
                flush=True,
            )
    backbone.close()


if __name__ == "__main__":
    fill_cache(sys.argv[1])
