import pytest

from inference import calories
from inference.calories import BodyMetrics


def test_mifflin_st_jeor():
    assert calories.mifflin_st_jeor_kcal_per_day(80, 180, 30, "male") == pytest.approx(1780.0)
    assert calories.mifflin_st_jeor_kcal_per_day(60, 165, 40, "female") == pytest.approx(1270.25)
    # unspecified sex: midway between the two constants
    assert calories.mifflin_st_jeor_kcal_per_day(70, 170, 35, "unspecified") == pytest.approx(
        1509.5
    )


def test_corrected_met_and_kcal():
    body = {"weight_kg": 80.0, "height_cm": 180.0, "age": 30.0, "sex": "male"}
    rmr = calories.rmr_ml_o2_per_kg_min(**body)
    assert rmr == pytest.approx(1780 / 5 * 1000 / 1440 / 80)  # 3.09 ml/kg/min
    assert calories.corrected_met(8.0, body) == pytest.approx(8.0 * 3.5 / rmr)
    # one hour of vigorous calisthenics: corrected MET x kg x h
    assert calories.kcal(8.0, body, 3600) == pytest.approx(8.0 * 3.5 / rmr * 80, rel=1e-9)
    assert 700 < calories.kcal(8.0, body, 3600) < 750
    # a person with a lower RMR per kg burns more per nominal MET
    heavy = {"weight_kg": 120.0, "height_cm": 170.0, "age": 60.0, "sex": "female"}
    assert calories.corrected_met(8.0, heavy) > calories.corrected_met(8.0, body)


def test_defaults_are_stated():
    used, defaulted = BodyMetrics(weight_kg=90).resolved()
    assert used["weight_kg"] == 90 and set(defaulted) == {"height_cm", "age", "sex"}
    used, defaulted = BodyMetrics(90, 180, 30, "F").resolved()
    assert used["sex"] == "female" and defaulted == []


def test_met_table_cites_compendium_codes():
    for ex, code in calories.EXERCISE_CODES.items():
        assert code in calories.COMPENDIUM, ex
        assert len(code) == 5 and code.isdigit()
    assert calories.exercise_met("jumping_jack") == (8.0, "02020")
    assert calories.exercise_met("something_new") == calories.exercise_met("unknown")


def test_intensity_factor_is_bounded_and_monotonic():
    f = [calories.intensity_factor(c, 20.0) for c in (5, 10, 20, 40, 80)]
    assert f == sorted(f) and f[2] == 1.0 and min(f) >= 0.75 and max(f) <= 1.3
    assert calories.intensity_factor(None, 20) == 1.0
