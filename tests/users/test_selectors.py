from datetime import UTC, datetime

import pytest

from tests.factories import WeightEntryFactory
from users import selectors

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 8) -> datetime:
    return datetime(2024, 6, day, hour, tzinfo=UTC)


def test_weight_at_is_latest_entry_at_or_before_the_time(user, other_user):
    WeightEntryFactory(user=user, measured_at=at(1), weight_kg=80)
    WeightEntryFactory(user=user, measured_at=at(10), weight_kg=78)
    WeightEntryFactory(user=other_user, measured_at=at(5), weight_kg=120)
    assert selectors.weight_at(user=user, at=at(1, 7)) is None
    assert selectors.weight_at(user=user, at=at(1)).weight_kg == 80
    assert selectors.weight_at(user=user, at=at(9)).weight_kg == 80
    assert selectors.weight_at(user=user, at=at(10)).weight_kg == 78
    assert selectors.weight_at(user=user).weight_kg == 78
