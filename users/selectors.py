"""Reads. Every query here is scoped to one user."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from users.models import ChangeStamp, User, WeightEntry


def weight_entry_list(*, user: User) -> QuerySet[WeightEntry]:
    return WeightEntry.objects.filter(user=user)


def weight_at(*, user: User, at: datetime | None = None) -> WeightEntry | None:
    """The weight in effect at `at` (now by default): the latest entry at or before it."""
    at = at or timezone.now()
    return weight_entry_list(user=user).filter(measured_at__lte=at).first()


def change_stamp(*, user: User) -> str | None:
    """The user's change stamp (users.change_stamps): read it before the data it covers.
    None only for a user the triggers have not seen, whose answers are then not cached."""
    return ChangeStamp.objects.filter(user_id=user.pk).values_list("value", flat=True).first()
