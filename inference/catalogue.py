"""The exercises the engine names: what an app shows instead of hard-coding labels."""

from __future__ import annotations

from .calories import COMPENDIUM, EXERCISE_CODES, STATIC_EXERCISES
from .heads import load_weights

UNKNOWN = "unknown"


def display_name(slug: str) -> str:
    """ "bicep_curl" -> "Bicep curl" (the dashboard's rule too)."""
    words = slug.replace("_", " ")
    return words[:1].upper() + words[1:]


def exercise_catalogue() -> list[dict]:
    """Every exercise of the shipped weights, then `unknown` (an exercise it was not taught):
    slug, display name, counted or held, MET and the Compendium entry behind it."""
    try:
        vocab = load_weights().exercises
    except Exception:  # no weights (a fresh checkout before training): what calories knows
        vocab = sorted(set(EXERCISE_CODES) - {UNKNOWN})
    rows = []
    for slug in [*vocab, UNKNOWN]:
        code = EXERCISE_CODES.get(slug, EXERCISE_CODES[UNKNOWN])
        met, activity = COMPENDIUM[code]
        rows.append(
            {
                "exercise": slug,
                "display_name": display_name(slug),
                "measure": "hold" if slug in STATIC_EXERCISES else "reps",
                "met": met,
                "compendium_code": code,
                "compendium_activity": activity,
            }
        )
    return rows
