"""Custom exercises over the API: create, read, edit, delete; ownership; bad names."""

import pytest

from exercises.models import CustomExercise, ExerciseModel, TrainingStatus
from inference.result import Bout as EngineBout
from tests.exercises.conftest import analysed_session
from workouts.models import Bout

pytestmark = pytest.mark.django_db

EXERCISES = "/api/v1/exercises/"


def create(api, **body):
    return api.post(EXERCISES, {"measure": "reps", **body}, format="json")


def test_create_makes_a_slug_and_schedules_training(
    api, user, engine, training_runs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = create(api, name="  Cossack squat!  ")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"].endswith("/api/v1/exercises/cossack_squat/")
    assert body["exercise"] == "cossack_squat" and body["display_name"] == "Cossack squat!"
    assert body["measure"] == "reps" and body["examples_count"] == 0
    assert body["training"]["status"] == "training"
    assert training_runs == [(user.pk, 1)]


def test_met_defaults_by_kind_or_comes_from_a_compendium_code(api):
    from inference import CUSTOM_DEFAULT_MET, exercise_catalogue

    catalogue = {r["exercise"]: r for r in exercise_catalogue()}
    assert create(api, name="Wall sit", measure="hold").json()["met"] == CUSTOM_DEFAULT_MET["hold"]
    assert create(api, name="Odd lift").json()["met"] == CUSTOM_DEFAULT_MET["reps"]
    squat = catalogue["squat"]
    by_code = create(api, name="Goblet squat", compendium_code=squat["compendium_code"]).json()
    assert by_code["met"] == squat["met"]
    assert create(api, name="Sandbag toss", met=9.8).json()["met"] == 9.8


@pytest.mark.parametrize(
    "body, attr, code",
    [
        ({"name": "Squat"}, "name", "name_taken"),  # a built-in exercise
        ({"name": "UNKNOWN"}, "name", "name_taken"),
        ({"name": "!!!"}, "name", "invalid_name"),
        (
            {"name": "Lift", "compendium_code": "99999"},
            "compendium_code",
            "unknown_compendium_code",
        ),
        ({"name": "Lift", "measure": "jumps"}, "measure", "invalid_choice"),
        ({"name": "Lift", "met": 0.2}, "met", "min_value"),
    ],
)
def test_bad_exercises_are_refused_with_a_clear_code(api, body, attr, code):
    response = create(api, **body)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["attr"], error["code"]) == (attr, code), error
    assert not CustomExercise.objects.exists()


def test_a_name_is_taken_once_per_user_and_free_for_others(api, client_for, other_user):
    assert create(api, name="Cossack squat").status_code == 201
    again = create(api, name="cossack-squat")
    assert again.status_code == 400 and again.json()["errors"][0]["code"] == "name_taken"
    assert create(client_for(other_user), name="Cossack squat").status_code == 201


def test_anonymous_clients_cannot_create(anon_client):
    assert create(anon_client, name="Lift").status_code == 401


def test_another_users_exercise_answers_404(api, client_for, other_user):
    create(client_for(other_user), name="Secret lift")
    for method in ("get", "patch", "delete"):
        response = getattr(api, method)(f"{EXERCISES}secret_lift/", {}, format="json")
        assert response.status_code == 404, method
    assert api.get(f"{EXERCISES}secret_lift/examples/").status_code == 404
    assert api.get(f"{EXERCISES}squat/").status_code == 404  # built-ins have no detail
    assert CustomExercise.objects.filter(slug="secret_lift").exists()


def test_rename_keeps_the_slug_and_a_new_met_retrains(
    api, user, training_runs, django_capture_on_commit_callbacks
):
    create(api, name="Lift")
    with django_capture_on_commit_callbacks(execute=True):
        renamed = api.patch(f"{EXERCISES}lift/", {"name": "Heavy lift"}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["exercise"] == "lift" and renamed.json()["display_name"] == "Heavy lift"
    assert training_runs == []  # the name is not what the model learns
    with django_capture_on_commit_callbacks(execute=True):
        api.patch(f"{EXERCISES}lift/", {"met": 7.0, "measure": "hold"}, format="json")
    assert training_runs == [(user.pk, 2)]
    assert api.get(f"{EXERCISES}lift/").json()["measure"] == "hold"


def test_delete_relabels_its_bouts_unknown_keeping_reps_and_fixing_totals(
    api, user, engine, django_capture_on_commit_callbacks, training_runs
):
    from inference import exercise_catalogue

    create(api, name="Lift", met=8.0)
    session = analysed_session(
        user,
        bouts=[
            EngineBout(
                "lift", 0.0, 20.0, 8, [[i, i + 1.0] for i in range(8)], None, 8.0, 16.0, 0.7
            ),
            EngineBout(
                "squat", 25.0, 45.0, 10, [[25 + i, 26 + i] for i in range(10)], None, 5.0, 10.0, 0.9
            ),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"{EXERCISES}lift/").status_code == 204
    assert not CustomExercise.objects.exists()
    unknown_met = next(r["met"] for r in exercise_catalogue() if r["exercise"] == "unknown")
    bout = Bout.objects.get(session=session, position=0)
    assert (bout.exercise, bout.reps) == ("unknown", 8)
    assert bout.met == unknown_met and bout.kcal == pytest.approx(
        16.0 * unknown_met / 8.0, abs=0.01
    )
    detail = api.get(f"/api/v1/sessions/{session.pk}/").json()
    assert detail["reps_by_exercise"] == {"unknown": 8, "squat": 10}
    assert detail["total_kcal"] == pytest.approx(bout.kcal + 10.0, abs=0.01)
    assert detail["total_reps"] == 18
    assert detail["bouts"][0]["exercise"] == "unknown"
    assert ExerciseModel.objects.get(user=user).status == TrainingStatus.TRAINING
    assert training_runs[-1] == (user.pk, 2)
