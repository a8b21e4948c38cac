"""The filter backend builds no filterset for a request that names none of its filters, and
filters and checks as before for one that does."""

import pytest

from tests.workouts.factories import WorkoutSessionFactory
from workouts.filters import SessionFilter

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"


@pytest.fixture
def filtersets_built(monkeypatch):
    built = []
    original = SessionFilter.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(SessionFilter, "__init__", counting)
    return built


def test_no_filter_parameter_no_filterset(api, user, filtersets_built):
    WorkoutSessionFactory(user=user)
    response = api.get(SESSIONS, {"page_size": 10})
    assert response.status_code == 200 and response.json()["count"] == 1
    assert filtersets_built == []


@pytest.mark.parametrize(
    ("params", "status"),
    [({"status": "done"}, 200), ({"status": ""}, 400), ({"ordering": "password"}, 400)],
)
def test_a_filter_parameter_is_filtered_and_checked(api, user, filtersets_built, params, status):
    assert api.get(SESSIONS, params).status_code == status
    assert filtersets_built
