import pytest

from tests import engine_fakes
from tests.engine_fakes import still_sequence
from tests.workouts.conftest import (  # noqa: F401  (fixtures)
    dataset_manifest,
    engine_result,
    fake_engine,
)
from tests.workouts.factories import WorkoutSessionFactory
from workouts import services as workout_services
from workouts.models import SessionStatus, WorkoutSession


@pytest.fixture
def engine(monkeypatch):
    """The engine's custom-exercise functions replaced by stand-ins (tests.engine_fakes)."""
    return engine_fakes.install(monkeypatch)


@pytest.fixture
def training_runs(monkeypatch):
    """The training runs queued (user id, version), instead of sending them to a broker."""
    from exercises import services

    sent = []
    monkeypatch.setattr(
        services.train_custom_model,
        "apply_async",
        lambda args, countdown=None: sent.append(tuple(args)),
    )
    return sent


def analysed_session(user, *, bouts=None, duration_s: float = 60.0, landmarks=True):
    """A session of `user` analysed by the (stand-in) engine: bouts and totals stored as the
    worker stores them, with its landmarks unless `landmarks=False` (an older analysis)."""
    session = WorkoutSessionFactory(
        user=user, status=SessionStatus.PROCESSING, duration_s=duration_s
    )
    result = engine_result({"weight_kg": 70.0}, bouts).to_dict()
    result["duration_s"] = duration_s
    workout_services.session_record_analysis(
        session=session,
        result=result,
        body_metrics={"weight_kg": 70.0},
        landmarks=still_sequence(duration_s).to_bytes() if landmarks else None,
    )
    return WorkoutSession.objects.get(pk=session.pk)


@pytest.fixture
def session_of(engine):
    return analysed_session
