from inference.calories import STATIC_EXERCISES
from inference.catalogue import display_name, exercise_catalogue


def test_display_names_follow_the_slug():
    assert display_name("bicep_curl") == "Bicep curl"
    assert display_name("plank") == "Plank"


def test_catalogue_ends_with_unknown_and_marks_holds():
    rows = exercise_catalogue()
    assert rows[-1]["exercise"] == "unknown"
    for row in rows:
        assert row["measure"] == ("hold" if row["exercise"] in STATIC_EXERCISES else "reps")
        assert row["met"] > 0 and len(row["compendium_code"]) == 5
