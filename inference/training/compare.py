"""Agreement between two landmark sequences of the same video (e.g. LiteRT vs mediapipe)."""

from __future__ import annotations

import numpy as np


def compare_sequences(ours, reference) -> dict:
    """Per-landmark distances on frames where both found a person, and presence agreement.

    Image distances are in normalised frame coordinates (x, y), world distances in metres.
    """
    n = min(len(ours), len(reference))
    a_present, b_present = ours.present[:n], reference.present[:n]
    both = a_present & b_present
    img = np.linalg.norm(ours.image[:n, :, :2][both] - reference.image[:n, :, :2][both], axis=-1)
    world = np.linalg.norm(ours.world[:n][both] - reference.world[:n][both], axis=-1)
    vis = np.abs(ours.visibility[:n][both] - reference.visibility[:n][both])
    empty = img.size == 0
    return {
        "frames": int(n),
        "frames_both_present": int(both.sum()),
        "presence_agreement": float((a_present == b_present).mean()) if n else 1.0,
        "detection_rate": float(a_present.mean()) if n else 0.0,
        "reference_detection_rate": float(b_present.mean()) if n else 0.0,
        "image_median": float(np.median(img)) if not empty else float("nan"),
        "image_mean": float(img.mean()) if not empty else float("nan"),
        "image_p95": float(np.percentile(img, 95)) if not empty else float("nan"),
        "world_median_m": float(np.median(world)) if not empty else float("nan"),
        "world_mean_m": float(world.mean()) if not empty else float("nan"),
        "visibility_mean_abs": float(vis.mean()) if not empty else float("nan"),
    }


def pooled(results: list[dict]) -> dict:
    """Frame-weighted summary over clips (medians are medians of clip medians)."""
    frames = np.array([r["frames"] for r in results], float)
    both = np.array([r["frames_both_present"] for r in results], float)

    def wmean(key, w):
        v = np.array([r[key] for r in results], float)
        ok = np.isfinite(v) & (w > 0)
        return float((v[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() else float("nan")

    return {
        "clips": len(results),
        "frames": int(frames.sum()),
        "presence_agreement": wmean("presence_agreement", frames),
        "detection_rate": wmean("detection_rate", frames),
        "reference_detection_rate": wmean("reference_detection_rate", frames),
        "image_median_of_clip_medians": float(np.nanmedian([r["image_median"] for r in results])),
        "image_mean": wmean("image_mean", both),
        "world_median_of_clip_medians_m": float(
            np.nanmedian([r["world_median_m"] for r in results])
        ),
        "world_mean_m": wmean("world_mean_m", both),
        "visibility_mean_abs": wmean("visibility_mean_abs", both),
    }
