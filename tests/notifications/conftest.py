from tests.workouts.conftest import fake_engine, pending_session  # noqa: F401  (shared)
