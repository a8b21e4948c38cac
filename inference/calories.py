"""MET values, intensity adjustment and calories.

MET values are taken from the Compendium of Physical Activities (Ainsworth et al. 2011,
codes unchanged in the 2024 adult compendium). The compendium has no entry per strength
exercise, so each exercise maps to the closest activity description; the code says which.

    kcal = corrected MET x weight_kg x hours
    corrected MET = MET x 3.5 / RMR,  RMR in ml O2/kg/min from Mifflin-St Jeor
(the compendium's "corrected MET", which accounts for people whose resting metabolic rate
is not the 3.5 ml/kg/min that 1 MET assumes).
"""

from __future__ import annotations

from dataclasses import dataclass

# code -> (MET, compendium description)
COMPENDIUM = {
    "02020": (
        8.0,
        "calisthenics (e.g., push ups, sit ups, pull-ups, jumping jacks), vigorous effort",
    ),
    "02022": (3.8, "calisthenics (e.g., push ups, sit ups, pull-ups, lunges), moderate effort"),
    "02024": (2.8, "calisthenics (e.g., situps, abdominal crunches), light effort"),
    "02030": (3.5, "calisthenics, light or moderate effort, general (e.g., back exercises)"),
    "02040": (
        8.0,
        "circuit training, including kettlebells, some aerobic movement with minimal rest, "
        "vigorous",
    ),
    "02050": (
        6.0,
        "resistance training (weight lifting, free weight, nautilus or universal), power lifting "
        "or body building, vigorous effort",
    ),
    "02052": (5.0, "resistance (weight) training, squats, slow or explosive effort"),
    "02054": (
        3.5,
        "resistance (weight) training, multiple exercises, 8-15 repetitions at varied resistance",
    ),
    "15551": (
        11.8,
        "rope jumping, moderate pace, 100-120 skips/min, general, 2 foot skip, plain bounce",
    ),
}

# exercise -> compendium code (closest activity)
EXERCISE_CODES = {
    "bench_press": "02050",
    "deadlift": "02050",
    "hip_thrust": "02050",
    "thruster": "02050",
    "squat": "02052",
    "bicep_curl": "02054",
    "front_raise": "02054",
    "lateral_raise": "02054",
    "shoulder_press": "02054",
    "tricep_extension": "02054",
    "bent_over_row": "02054",
    "lat_pulldown": "02054",
    "seated_row": "02054",
    "upright_row": "02054",
    "reverse_fly": "02054",
    "farmers_walk": "02054",  # a loaded carry: the closest resistance-training entry here
    "kettlebell_swing": "02040",
    "burpee": "02020",
    "butt_kick": "02020",
    "high_knees": "02020",
    "jump_squat": "02020",
    "jumping_jack": "02020",
    "mountain_climber": "02020",
    "plank_jack": "02020",
    "sprawl": "02020",
    "star_jump": "02020",
    "dip": "02022",
    "glute_bridge": "02022",
    "lunge": "02022",
    "pull_up": "02022",
    "push_up": "02022",
    "step_up": "02022",
    "v_up": "02022",
    "russian_twist": "02022",
    "crunch": "02024",
    "leg_raise": "02024",
    "sit_up": "02024",
    "plank": "02024",
    "superman": "02024",
    "bird_dog": "02024",
    "dead_bug": "02024",
    "toe_tap": "02024",
    "jump_rope": "15551",
    "unknown": "02030",
}

#: Exercises held still; they report hold time, not repetitions.
STATIC_EXERCISES = {"plank"}

DEFAULT_BODY = {"weight_kg": 70.0, "height_cm": 170.0, "age": 35.0, "sex": "unspecified"}


def exercise_met(exercise: str) -> tuple[float, str]:
    code = EXERCISE_CODES.get(exercise, EXERCISE_CODES["unknown"])
    return COMPENDIUM[code][0], code


@dataclass
class BodyMetrics:
    weight_kg: float | None = None
    height_cm: float | None = None
    age: float | None = None
    sex: str | None = None  # "male", "female" (anything else: unspecified)

    def resolved(self) -> tuple[dict, list[str]]:
        """(metrics with defaults filled in, names of the defaulted fields)."""
        out, defaulted = {}, []
        for k, default in DEFAULT_BODY.items():
            v = getattr(self, k)
            if k == "sex" and v is not None:
                v = str(v).strip().lower()
                v = {"m": "male", "f": "female"}.get(v, v)
                if v not in ("male", "female"):
                    v = None
            if v is None:
                out[k] = default
                defaulted.append(k)
            else:
                out[k] = float(v) if k != "sex" else v
        return out, defaulted


def mifflin_st_jeor_kcal_per_day(weight_kg: float, height_cm: float, age: float, sex: str) -> float:
    """Resting metabolic rate (Mifflin et al. 1990). Unspecified sex: mean of both constants."""
    base = 10.0 * weight_kg + 6.25 * height_cm - 5.0 * age
    const = {"male": 5.0, "female": -161.0}.get(sex, (5.0 - 161.0) / 2)
    return base + const


def rmr_ml_o2_per_kg_min(weight_kg: float, height_cm: float, age: float, sex: str) -> float:
    """RMR as oxygen uptake: kcal/day -> litres O2 (5 kcal per litre) -> ml/kg/min."""
    kcal_day = mifflin_st_jeor_kcal_per_day(weight_kg, height_cm, age, sex)
    return kcal_day / 5.0 * 1000.0 / 1440.0 / weight_kg


def corrected_met(met: float, body: dict) -> float:
    return (
        met
        * 3.5
        / rmr_ml_o2_per_kg_min(body["weight_kg"], body["height_cm"], body["age"], body["sex"])
    )


def kcal(met: float, body: dict, seconds: float) -> float:
    return corrected_met(met, body) * body["weight_kg"] * seconds / 3600.0


def intensity_factor(cadence_rpm: float | None, typical_rpm: float | None) -> float:
    """Scale MET by how fast the person moves compared with typical (training) cadence.

    The compendium separates light / moderate / vigorous calisthenics by roughly a factor of
    two; a square-root response, clamped to [0.75, 1.3], keeps the adjustment inside that.
    """
    if not cadence_rpm or not typical_rpm:
        return 1.0
    return float(min(1.3, max(0.75, (cadence_rpm / typical_rpm) ** 0.5)))


def rom_factor(amplitude: float | None) -> float:
    """Small adjustment for range of motion: the dominant signal's range in torso units /
    normalised angle; shallow movement (< 0.15) costs less, large movement a bit more."""
    if amplitude is None or amplitude <= 0:
        return 1.0
    return float(min(1.1, max(0.85, 0.85 + amplitude)))
