"""Reads. Every query here is scoped to one user."""

from datetime import datetime

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from users.models import ChangeStamp, User, WeightEntry

_STAMPS = ChangeStamp._meta.db_table


def weight_entry_list(*, user: User) -> QuerySet[WeightEntry]:
    return WeightEntry.objects.filter(user=user)


def weight_at(*, user: User, at: datetime | None = None) -> WeightEntry | None:
    """The weight in effect at `at` (now by default): the latest entry at or before it."""
    at = at or timezone.now()
    return weight_entry_list(user=user).filter(measured_at__lte=at).first()


def change_stamp(*, user: User) -> str | None:
    """The user's change stamp (users.change_stamps): read it before the data it covers.
    None only for a user the triggers have not seen, whose answers are then not cached."""
    # Plain SQL: every conditional read asks this first, and building the ORM query cost
    # more than running it.
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(_STAMPS)
        cursor.execute(f"SELECT value FROM {table} WHERE user_id = %s", [user.pk])
        row = cursor.fetchone()
    return row[0] if row else None
