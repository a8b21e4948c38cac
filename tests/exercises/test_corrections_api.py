"""PATCH /api/v1/sessions/{id}/bouts/{bout_id}/: a bout's exercise corrected, recounted from
the session's stored landmarks, its calories and the session's totals made consistent."""

import pytest

from exercises.models import ExampleSource, ExerciseExample
from tests.exercises.conftest import analysed_session
from tests.workouts.factories import WorkoutSessionFactory
from users.selectors import change_stamp
from workouts.models import Bout

pytestmark = pytest.mark.django_db


def bout_url(session, position=0):
    bout = Bout.objects.get(session=session, position=position)
    return f"/api/v1/sessions/{session.pk}/bouts/{bout.pk}/"


@pytest.fixture
def lift(api, engine):
    api.post("/api/v1/exercises/", {"name": "Lift", "measure": "reps", "met": 6.0})


def test_correcting_to_a_builtin_recounts_and_keeps_totals_consistent(api, user, engine):
    session = analysed_session(user)  # bout 0: squat 1-21 s, 2 reps; bout 1: plank 25-55 s
    stamp = change_stamp(user=user)
    response = api.patch(bout_url(session), {"exercise": "lunge"}, format="json")
    assert response.status_code == 200, response.json()
    bout = response.json()
    # The stand-in engine counts a rep every 2 s and 1 kcal per MET-minute.
    assert (bout["exercise"], bout["reps"], bout["confidence"]) == ("lunge", 10, 1.0)
    assert len(bout["rep_times_s"]) == 10 and bout["hold_s"] is None
    recount = engine.recounted[-1]
    assert (recount["start_s"], recount["end_s"], recount["exercise"]) == (1.0, 21.0, "lunge")
    assert recount["custom"] is None and recount["body"] == {"weight_kg": 70.0}
    assert len(recount["seq"]) == 60 * 15  # the session's stored landmarks

    detail = api.get(f"/api/v1/sessions/{session.pk}/").json()
    assert detail["bouts"][0] == bout
    assert detail["reps_by_exercise"] == {"lunge": 10}  # the plank is a hold
    assert detail["total_reps"] == 10
    assert detail["total_kcal"] == pytest.approx(bout["kcal"] + detail["bouts"][1]["kcal"], 0.01)
    # Statistics and ETags see the change (the stamp is renewed by the database).
    assert change_stamp(user=user) != stamp
    assert not ExerciseExample.objects.exists()  # built-ins teach no model of the user's


def test_correcting_to_my_exercise_keeps_it_as_an_example(
    api, user, lift, engine, training_runs, django_capture_on_commit_callbacks
):
    session = analysed_session(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(bout_url(session), {"exercise": "lift"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["met"] == 6.0
    recount = engine.recounted[-1]
    assert (recount["exercise_kind"], recount["met"]) == ("reps", 6.0)
    example = ExerciseExample.objects.get()
    assert example.source == ExampleSource.CORRECTION and example.session_id == session.pk
    assert (example.start_s, example.end_s) == (1.0, 21.0)
    assert training_runs[-1] == (user.pk, 2)


def test_a_correction_can_opt_out_of_keeping_the_example(api, user, lift):
    session = analysed_session(user)
    body = {"exercise": "lift", "keep_as_example": False}
    assert api.patch(bout_url(session), body, format="json").status_code == 200
    assert not ExerciseExample.objects.exists()
    assert Bout.objects.get(session=session, position=0).exercise == "lift"


def test_a_hold_becomes_counted_and_back(api, user, engine):
    session = analysed_session(user)
    plank = api.patch(bout_url(session, 1), {"exercise": "squat"}, format="json").json()
    assert plank["reps"] == 15 and plank["hold_s"] is None
    back = api.patch(bout_url(session, 1), {"exercise": "plank"}, format="json").json()
    assert back["reps"] == 0 and back["hold_s"] == 30.0
    assert api.get(f"/api/v1/sessions/{session.pk}/").json()["reps_by_exercise"] == {"squat": 2}


def test_an_unknown_slug_is_refused(api, user, engine, other_user, client_for):
    client_for(other_user).post("/api/v1/exercises/", {"name": "Their lift", "measure": "reps"})
    session = analysed_session(user)
    for slug in ("moonwalk", "their_lift"):
        response = api.patch(bout_url(session), {"exercise": slug}, format="json")
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert (error["attr"], error["code"]) == ("exercise", "unknown_exercise")
    assert Bout.objects.get(session=session, position=0).exercise == "squat"


def test_another_users_bout_answers_404(api, other_user, engine):
    theirs = analysed_session(other_user)
    assert api.get(bout_url(theirs)).status_code == 404
    assert api.patch(bout_url(theirs), {"exercise": "lunge"}, format="json").status_code == 404
    mine = analysed_session(WorkoutSessionFactory().user)
    # A bout id under the wrong session id is not found either.
    bout = Bout.objects.filter(session=theirs).first()
    assert (
        api.patch(
            f"/api/v1/sessions/{mine.pk}/bouts/{bout.pk}/", {"exercise": "lunge"}, format="json"
        ).status_code
        == 404
    )
    assert Bout.objects.get(pk=bout.pk).exercise == "squat"


def test_a_session_analysed_before_landmarks_were_kept_asks_for_a_reanalysis(api, user, engine):
    session = analysed_session(user, landmarks=False)
    response = api.patch(bout_url(session), {"exercise": "lunge"}, format="json")
    assert response.status_code == 409
    assert "re-analyse" in response.json()["errors"][0]["detail"]


def test_reading_one_bout(api, user, engine):
    session = analysed_session(user)
    body = api.get(bout_url(session)).json()
    assert body == api.get(f"/api/v1/sessions/{session.pk}/").json()["bouts"][0]
