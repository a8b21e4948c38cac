"""The analysis task body, with the engine replaced by a stand-in (the real engine runs in
test_worker_integration.py)."""

from datetime import UTC, datetime

import pytest

import inference
from tests.engine_fakes import with_landmarks
from tests.factories import WeightEntryFactory
from tests.workouts.conftest import engine_result
from workouts.analysis import run_session_analysis
from workouts.models import Bout as StoredBout
from workouts.models import SessionStatus
from workouts.services import session_record_analysis

pytestmark = pytest.mark.django_db


def test_stores_bouts_and_totals(fake_engine, pending_session):
    assert run_session_analysis(session_id=pending_session.id) == "done"
    pending_session.refresh_from_db()
    assert pending_session.status == SessionStatus.DONE and pending_session.progress == 1
    assert (pending_session.total_kcal, pending_session.active_s, pending_session.total_reps) == (
        12.0,
        50.0,
        2,
    )
    assert pending_session.model_version == "fake-engine@v1"
    bouts = list(pending_session.bouts.order_by("position"))
    assert [(b.exercise, b.reps, b.hold_s) for b in bouts] == [
        ("squat", 2, None),
        ("plank", 0, 30.0),
    ]
    assert bouts[0].rep_times_s == [[1.0, 3.0], [4.0, 6.5]]
    assert bouts[0].user == pending_session.user
    assert bouts[0].session_started_at == pending_session.started_at


def test_stores_the_confidences(fake_engine, pending_session):
    run_session_analysis(session_id=pending_session.id)
    bouts = pending_session.bouts.order_by("position")
    assert [(b.confidence, b.count_confidence) for b in bouts] == [(0.93, 0.42), (0.88, None)]


def test_a_result_stored_before_count_confidence_existed(pending_session):
    """Re-recording a stored result from before the engine gave a count confidence."""
    result = engine_result({}).to_dict()
    for bout in result["bouts"]:
        del bout["count_confidence"]
    assert session_record_analysis(
        session=pending_session, result=result, body_metrics=result["body_metrics"]
    )
    bouts = pending_session.bouts.order_by("position")
    assert [(b.confidence, b.count_confidence) for b in bouts] == [(0.93, None), (0.88, None)]


def test_calories_use_body_metrics_in_effect_at_the_start(fake_engine, pending_session):
    user = pending_session.user
    WeightEntryFactory(user=user, weight_kg=80, measured_at=datetime(2024, 6, 1, tzinfo=UTC))
    WeightEntryFactory(user=user, weight_kg=75, measured_at=datetime(2024, 7, 1, tzinfo=UTC))
    run_session_analysis(session_id=pending_session.id)
    assert fake_engine[0]["body"] == {"weight_kg": 80, "height_cm": 165, "age": 34, "sex": "female"}
    pending_session.refresh_from_db()
    assert pending_session.body_metrics["weight_kg"] == 80


def test_running_twice_keeps_one_copy_of_the_results(fake_engine, pending_session):
    run_session_analysis(session_id=pending_session.id)
    assert run_session_analysis(session_id=pending_session.id) == "skipped"
    # An interrupted run (still `processing`) is redone, replacing what it stored.
    pending_session.refresh_from_db()
    pending_session.status = SessionStatus.PROCESSING
    pending_session.save()
    assert run_session_analysis(session_id=pending_session.id) == "done"
    assert StoredBout.objects.filter(session=pending_session).count() == 2


def test_missing_session_is_skipped(fake_engine):
    assert run_session_analysis(session_id=123456) == "skipped"
    assert fake_engine == []


@pytest.mark.parametrize(
    "error, code",
    [
        (inference.VideoDecodeError("moov atom not found"), "unreadable_video"),
        (inference.ModelNotTrainedError("no weights"), "engine_unavailable"),
    ],
)
def test_engine_errors_become_failed_sessions(monkeypatch, pending_session, error, code):
    def broken(path, body=None, progress=None, **options):
        raise error

    monkeypatch.setattr(inference, "analyze_video", broken)
    assert run_session_analysis(session_id=pending_session.id) == "failed"
    pending_session.refresh_from_db()
    assert pending_session.status == SessionStatus.FAILED
    assert pending_session.error_code == code and pending_session.error_message


def test_unexpected_error_fails_the_session_and_is_raised(monkeypatch, pending_session):
    def broken(path, body=None, progress=None, **options):
        raise RuntimeError("boom")

    monkeypatch.setattr(inference, "analyze_video", broken)
    with pytest.raises(RuntimeError):
        run_session_analysis(session_id=pending_session.id)
    pending_session.refresh_from_db()
    assert pending_session.error_code == "internal_error"


def test_gives_up_after_repeated_worker_crashes(fake_engine, pending_session, settings):
    settings.WORKOUTS_MAX_ANALYSIS_ATTEMPTS = 2
    pending_session.analysis_attempts = 2  # two earlier runs died with their worker
    pending_session.save()
    assert run_session_analysis(session_id=pending_session.id) == "failed"
    pending_session.refresh_from_db()
    assert pending_session.error_code == "analysis_crashed"
    assert fake_engine == []


def test_edits_made_during_analysis_are_kept(monkeypatch, pending_session):
    from django.utils import timezone

    def analyze_video(path, body=None, progress=None, **options):
        # The user renames the workout and moves its start while the worker is busy.
        type(pending_session).objects.filter(pk=pending_session.pk).update(
            title="Renamed", started_at=datetime(2024, 6, 9, 7, tzinfo=UTC)
        )
        return with_landmarks(engine_result(body))

    monkeypatch.setattr(inference, "analyze_video", analyze_video)
    assert run_session_analysis(session_id=pending_session.id) == "done"
    pending_session.refresh_from_db()
    assert pending_session.title == "Renamed" and pending_session.status == "done"
    assert pending_session.bouts.first().session_started_at == datetime(2024, 6, 9, 7, tzinfo=UTC)
    assert pending_session.analysed_at <= timezone.now()


def test_session_deleted_during_analysis_stays_deleted(monkeypatch, pending_session):
    def analyze_video(path, body=None, progress=None, **options):
        type(pending_session).objects.filter(pk=pending_session.pk).delete()
        return with_landmarks(engine_result(body))

    monkeypatch.setattr(inference, "analyze_video", analyze_video)
    assert run_session_analysis(session_id=pending_session.id) == "skipped"
    assert not type(pending_session).objects.filter(pk=pending_session.pk).exists()
    assert not StoredBout.objects.exists()


def test_failure_after_deletion_does_not_crash(monkeypatch, pending_session):
    def analyze_video(path, body=None, progress=None, **options):
        type(pending_session).objects.filter(pk=pending_session.pk).delete()
        raise inference.VideoDecodeError("gone")

    monkeypatch.setattr(inference, "analyze_video", analyze_video)
    assert run_session_analysis(session_id=pending_session.id) == "failed"
    assert not type(pending_session).objects.filter(pk=pending_session.pk).exists()
