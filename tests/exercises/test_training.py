"""The training run on a worker (exercises.training): examples get their landmarks, the
engine trains on them, and only the newest version's model is stored."""

import os

import pytest

from exercises import services
from exercises.models import ExampleStatus, ExerciseExample, ExerciseModel, TrainingStatus
from exercises.selectors import custom_model_for_analysis
from exercises.training import cut_sequence, run_training
from tests.engine_fakes import still_sequence
from tests.exercises.conftest import analysed_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def lift(user, engine):
    return services.custom_exercise_create(user=user, name="Lift", kind="reps")


def add_example(lift, session, start_s=2.0, end_s=8.0):
    return services.example_create_from_session(
        exercise=lift, session=session, start_s=start_s, end_s=end_s
    )


def version_of(user) -> int:
    return ExerciseModel.objects.get(user=user).requested_version


def test_a_run_prepares_examples_trains_and_stores_the_model(user, lift, engine):
    session = analysed_session(user)
    first = add_example(lift, session, 2.0, 8.0)
    add_example(lift, session, 30.0, 40.0)
    assert run_training(user_id=user.pk, version=version_of(user)) == "trained"

    first.refresh_from_db()
    assert first.status == ExampleStatus.READY and first.landmarks
    # Cut out of the session's landmarks with a second on either side.
    assert first.landmarks_start_s == 1.0
    (exercises, examples) = engine.trained[-1]
    assert [e.slug for e in exercises] == ["lift"]
    assert [(x.start_s, x.end_s) for x in examples] == [(1.0, 7.0), (1.0, 11.0)]
    assert len(examples[0].landmarks) == 8 * 15  # 1-9 s of the session
    row = ExerciseModel.objects.get(user=user)
    assert (row.status, row.slugs, row.accuracy, row.examples_used) == ("ready", ["lift"], 0.9, 2)
    assert custom_model_for_analysis(user=user).slugs == ["lift"]


def test_an_older_version_stores_nothing_and_a_repeat_is_skipped(user, lift, engine):
    add_example(lift, analysed_session(user))
    older = version_of(user)
    services.training_schedule(user=user)
    assert run_training(user_id=user.pk, version=older) == "superseded"
    assert engine.trained == []
    newest = version_of(user)
    assert run_training(user_id=user.pk, version=newest) == "trained"
    assert run_training(user_id=user.pk, version=newest) == "skipped"  # delivered twice
    assert len(engine.trained) == 1


def test_a_change_while_training_keeps_the_newer_runs_result(user, lift, engine, monkeypatch):
    add_example(lift, analysed_session(user))
    version = version_of(user)
    train = engine.train_custom

    def train_while_the_user_adds_one(exercises, examples):
        services.training_schedule(user=user)  # a change arrives mid-run
        return train(exercises, examples)

    monkeypatch.setattr("inference.train_custom", train_while_the_user_adds_one)
    assert run_training(user_id=user.pk, version=version) == "superseded"
    row = ExerciseModel.objects.get(user=user)
    assert row.status == TrainingStatus.TRAINING and not row.model


def test_without_examples_the_model_is_untrained(user, lift, engine):
    assert run_training(user_id=user.pk, version=version_of(user)) == "untrained"
    row = ExerciseModel.objects.get(user=user)
    assert row.status == TrainingStatus.UNTRAINED and row.slugs == []
    assert custom_model_for_analysis(user=user) is None


def test_a_failed_training_says_why_and_keeps_the_last_model(user, lift, engine):
    add_example(lift, analysed_session(user))
    run_training(user_id=user.pk, version=version_of(user))
    services.training_schedule(user=user)
    engine.fail_training = RuntimeError("out of memory")
    assert run_training(user_id=user.pk, version=version_of(user)) == "failed"
    row = ExerciseModel.objects.get(user=user)
    assert row.status == TrainingStatus.FAILED and "out of memory" in row.failure_reason
    assert custom_model_for_analysis(user=user).slugs == ["lift"]


def test_an_example_whose_session_went_fails_and_the_rest_train(user, lift, engine):
    gone = analysed_session(user)
    lost = add_example(lift, gone)
    kept = add_example(lift, analysed_session(user))
    gone.delete()
    assert run_training(user_id=user.pk, version=version_of(user)) == "trained"
    lost.refresh_from_db()
    kept.refresh_from_db()
    assert lost.status == ExampleStatus.FAILED and "deleted" in lost.error_message
    assert kept.status == ExampleStatus.READY
    assert ExerciseModel.objects.get(user=user).examples_used == 1


def test_an_example_the_engine_cannot_learn_from_is_marked_and_left_out(
    user, lift, engine, monkeypatch
):
    from inference import CustomExampleError

    session = analysed_session(user)
    bad, good = add_example(lift, session, 2.0, 8.0), add_example(lift, session, 20.0, 30.0)
    train = engine.train_custom

    def refuse_the_first(exercises, examples):
        if any(x.end_s - x.start_s == 6.0 for x in examples):
            raise CustomExampleError("no person in the stretch")
        return train(exercises, examples)

    monkeypatch.setattr("inference.train_custom", refuse_the_first)
    assert run_training(user_id=user.pk, version=version_of(user)) == "trained"
    bad.refresh_from_db()
    assert bad.status == ExampleStatus.FAILED and "no person" in bad.error_message
    assert ExerciseModel.objects.get(user=user).examples_used == 1
    assert ExerciseExample.objects.get(pk=good.pk).status == ExampleStatus.READY


def test_an_old_session_is_prepared_from_its_video(user, lift, engine, monkeypatch):
    import inference

    session = analysed_session(user, landmarks=False)
    example = add_example(lift, session)
    ran = []

    def analyze_video(path, body=None, progress=None, custom=None, keep_landmarks=False):
        ran.append(path)
        return None, still_sequence(60.0)

    monkeypatch.setattr(inference, "analyze_video", analyze_video)
    second = add_example(lift, session, 20.0, 30.0)
    assert run_training(user_id=user.pk, version=version_of(user)) == "trained"
    example.refresh_from_db()
    second.refresh_from_db()
    assert example.status == second.status == ExampleStatus.READY
    # One pose run for both: the landmarks are kept on the session for what comes next.
    assert len(ran) == 1
    session.refresh_from_db()
    assert session.landmarks


def test_the_orphan_sweep_removes_example_files_no_row_names(
    user, lift, engine, settings, tmp_path
):
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from workouts.services import media_orphans_purge

    # A media folder of its own: the files it ages would outlive this test's rows.
    settings.MEDIA_ROOT = str(tmp_path)
    example = add_example(lift, analysed_session(user))
    run_training(user_id=user.pk, version=version_of(user))
    example.refresh_from_db()
    orphan = default_storage.save(f"examples/{user.pk}/left-by-a-crash.bin", ContentFile(b"x"))
    kept = example.landmarks.name
    day_ago = (timezone.now() - timedelta(days=2)).timestamp()
    for name in (orphan, kept):
        os.utime(default_storage.path(name), (day_ago, day_ago))
    assert media_orphans_purge() == 1
    assert not default_storage.exists(orphan) and default_storage.exists(kept)


def test_a_model_naming_a_deleted_exercise_is_not_used(user, lift, engine):
    add_example(lift, analysed_session(user))
    run_training(user_id=user.pk, version=version_of(user))
    services.custom_exercise_delete(exercise=lift)
    assert custom_model_for_analysis(user=user) is None


def test_cut_sequence_cuts_every_per_frame_array():
    seq = still_sequence(10.0)
    cut = cut_sequence(seq, 2.0, 5.0)
    assert len(cut) == 45 and cut.image.shape == (45, 33, 3) and cut.present.shape == (45,)
    assert cut.duration_s == 3.0 and cut.frame_size == seq.frame_size
    assert len(cut_sequence(seq, 9.0, 12.0)) == 15
