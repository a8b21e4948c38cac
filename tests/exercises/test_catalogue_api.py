import pytest

from inference import exercise_catalogue

EXERCISES = "/api/v1/exercises/"

pytestmark = pytest.mark.django_db


def test_the_catalogue_is_public_and_lists_every_exercise(anon_client):
    response = anon_client.get(EXERCISES)
    assert response.status_code == 200
    rows = response.json()
    slugs = [r["exercise"] for r in rows]
    assert slugs == [r["exercise"] for r in exercise_catalogue()]
    assert not any(r["custom"] for r in rows)
    assert slugs[-1] == "unknown" and len(set(slugs)) == len(slugs)
    by_slug = {r["exercise"]: r for r in rows}
    assert by_slug["plank"]["measure"] == "hold"
    assert by_slug["bicep_curl"] == {
        "exercise": "bicep_curl",
        "display_name": "Bicep curl",
        "measure": "reps",
        "met": 3.5,
        "compendium_code": "02054",
        "compendium_activity": by_slug["bicep_curl"]["compendium_activity"],
        "custom": False,
    }


def test_every_bout_label_the_engine_gives_is_in_the_catalogue(anon_client):
    from inference.heads import load_weights

    slugs = {r["exercise"] for r in anon_client.get(EXERCISES).json()}
    assert set(load_weights().exercises) | {"unknown"} == slugs


def test_the_catalogue_polls_cheaply(anon_client):
    etag = anon_client.get(EXERCISES)["ETag"]
    assert anon_client.get(EXERCISES, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_signed_in_the_catalogue_adds_my_own_exercises_before_unknown(
    api, client_for, other_user, engine
):
    created = api.post(EXERCISES, {"name": "Cossack squat", "measure": "reps"}, format="json")
    assert created.status_code == 201, created.json()
    rows = api.get(EXERCISES).json()
    assert [r["exercise"] for r in rows][-2:] == ["cossack_squat", "unknown"]
    own = rows[-2]
    assert own["custom"] is True and own["display_name"] == "Cossack squat"
    # Nobody else sees it: not another user, not an anonymous client.
    others = [r["exercise"] for r in client_for(other_user).get(EXERCISES).json()]
    assert "cossack_squat" not in others
