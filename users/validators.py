"""Plausibility limits for body metrics. Outside them a value is a typo, not a person.

Errors use the code "invalid" (documented for every field in the OpenAPI schema); the
message says what is wrong.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

MIN_WEIGHT_KG, MAX_WEIGHT_KG = 20.0, 400.0
MIN_HEIGHT_CM, MAX_HEIGHT_CM = 80.0, 250.0
MIN_AGE_YEARS, MAX_AGE_YEARS = 10, 110
# Phones and servers disagree by a little; a reading "a minute from now" is not a typo.
FUTURE_TOLERANCE = timedelta(minutes=5)


def age_in_years(birth_date: date, on: date) -> int:
    had_birthday = (on.month, on.day) >= (birth_date.month, birth_date.day)
    return on.year - birth_date.year - (0 if had_birthday else 1)


def _check_number_in_range(value, low, high, what, unit):
    # NaN passes both `<` comparisons, so reject non-finite numbers explicitly.
    if value is None or value != value or value in (float("inf"), float("-inf")):
        raise ValidationError(f"{what} must be a finite number.", code="invalid")
    if not low <= value <= high:
        raise ValidationError(
            f"{what} must be between {low:g} and {high:g} {unit}; got {value:g}.",
            code="invalid",
        )


def validate_weight_kg(value: float) -> None:
    _check_number_in_range(value, MIN_WEIGHT_KG, MAX_WEIGHT_KG, "Weight", "kg")


def validate_height_cm(value: float) -> None:
    _check_number_in_range(value, MIN_HEIGHT_CM, MAX_HEIGHT_CM, "Height", "cm")


def validate_birth_date(value: date) -> None:
    today = timezone.localdate()
    if value > today:
        raise ValidationError("Birth date cannot be in the future.", code="invalid")
    age = age_in_years(value, today)
    if not MIN_AGE_YEARS <= age <= MAX_AGE_YEARS:
        raise ValidationError(
            f"Age must be between {MIN_AGE_YEARS} and {MAX_AGE_YEARS} years; "
            f"this birth date gives {age}.",
            code="invalid",
        )


def validate_not_in_future(value) -> None:
    if value > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError("This time is in the future.", code="invalid")
