"""The change stamp is renewed by the database on every change to a user's body metrics and
weight entries, whatever makes it; other users' stamps stay."""

from datetime import date

import pytest
from django.db import connection

from tests.factories import UserFactory, WeightEntryFactory
from users import change_stamps
from users.models import ChangeStamp, User, WeightEntry
from users.selectors import change_stamp

pytestmark = pytest.mark.django_db


def renews(user, change) -> bool:
    before = change_stamp(user=user)
    change()
    return change_stamp(user=user) != before


def test_every_user_has_a_stamp_from_the_start(user):
    assert change_stamp(user=user)


@pytest.mark.parametrize(
    ("field", "value"), [("height_cm", 181.0), ("sex", "male"), ("birth_date", date(1980, 1, 2))]
)
def test_body_metrics_on_the_user_row_renew_it(user, field, value):
    def edit():
        setattr(user, field, value)
        user.save(update_fields=[field])

    assert renews(user, edit)


def test_other_profile_columns_do_not(user):
    def edit():
        user.display_name = "Someone else"
        user.units = "imperial"
        user.save()  # every column written, the body metrics unchanged

    assert not renews(user, edit)
    assert not renews(user, lambda: User.objects.filter(pk=user.pk).update(last_login=None))


def test_weight_entries_renew_it_however_they_change(user, other_user):
    entry = WeightEntryFactory(user=user)
    others = change_stamp(user=other_user)
    assert renews(user, lambda: WeightEntryFactory(user=user))
    assert renews(user, lambda: WeightEntry.objects.filter(pk=entry.pk).update(weight_kg=71))
    assert renews(user, entry.delete)
    assert change_stamp(user=other_user) == others


def test_it_goes_with_the_user(user):
    user_id = user.pk
    user.delete()
    assert not ChangeStamp.objects.filter(user_id=user_id).exists()


def test_installing_again_restores_lost_triggers_and_stamps(user):
    # What SQLite does to the triggers of a table a migration rebuilds, and a user from
    # before the stamps existed.
    if connection.vendor == "sqlite":
        drop = ["DROP TRIGGER users_weightentry_stamp_insert"]
    else:
        drop = ["DROP TRIGGER coach_change_stamp ON users_weightentry"]
    with connection.cursor() as cursor:
        for statement in drop:
            cursor.execute(statement)
    ChangeStamp.objects.filter(user_id=user.pk).delete()
    assert change_stamp(user=user) is None

    change_stamps.install_triggers()
    change_stamps.install_triggers()  # and again: it is run after every migrate
    assert change_stamp(user=user)
    assert renews(user, lambda: WeightEntryFactory(user=user))


def test_a_new_user_gets_a_stamp_of_its_own():
    first, second = UserFactory(), UserFactory()
    assert change_stamp(user=first) != change_stamp(user=second)
